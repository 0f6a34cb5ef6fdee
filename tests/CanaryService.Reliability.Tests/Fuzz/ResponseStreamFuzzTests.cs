using System.Text;
using System.Text.Json;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Application.Proxy.ServerSentEvents;
using CanaryService.Application.Proxy.Surfaces;
using CanaryService.Core.Lexicon;
using CanaryService.Reliability.Tests.Infrastructure;
using CanaryService.Testing.Upstream;

namespace CanaryService.Reliability.Tests.Fuzz;

/// <summary>
/// Seeded fuzzing of the Responses API's stream rewriter with the real text marker: random answers and reasoning
/// summaries in random deltas, junk events between them (comments, unknown and malformed events), cut into random byte
/// slices. It never throws, junk passes byte for byte, and the deltas and every event that repeats a text carry the
/// whole-text marking of the same answer. Hostile bytes never throw either.
/// The fast run fuzzes the first tenth of each seeded sequence; the <c>Simulation</c> run all of it.
/// </summary>
public sealed class ResponseStreamFuzzTests
{
    private static readonly FuzzMarking Marking = new("responses-fuzz");
    private static readonly string[] Words = [.. CanaryLexicon.Default.Forms.Take(60), "the", "it", "a", "`code often`", "https://x.y/usually", "3.5", "😀", "naïve", "\n\n", "\r\n", "\"quoted often\"", "\\", "event: x"];
    private static readonly string[] Junk =
    [
        ": keep-alive\n\n",
        "event: ping\ndata: {}\n\n",
        "data: {not json\n\n",
        "data: {\"type\":\"response.output_text.delta\",\"output_index\":\"0\",\"delta\":\"often\"}\n\n",
        "data: {\"type\":42}\n\n",
        "retry: 100\n\n",
    ];

    [Fact]
    public void Random_response_streams_in_random_slices_carry_the_whole_text_marked_in_deltas_and_repeats() => ResponseStreamsCarryTheMarkedText(30);

    [Fact]
    [Trait("Category", "Simulation")]
    public void Random_response_streams_in_random_slices_carry_the_whole_text_marked_in_deltas_and_repeats_exhaustively() => ResponseStreamsCarryTheMarkedText(300);

    private static void ResponseStreamsCarryTheMarkedText(int runs)
    {
        var random = new Random(4242);
        for (int run = 0; run < runs; run++)
        {
            string text = RandomText(random);
            string? summary = random.Next(2) == 0 ? RandomText(random) : null;
            string upstream = SurfaceAnswers.ResponseStream(Split(text, random), summary is null ? null : Split(summary, random));
            var junkSent = new List<string>();
            upstream = WithJunk(upstream, random, junkSent);

            var rewriter = new ResponseStreamRewriter(Marking.Begin(), ResponseTexts.Events);
            string output = Run(rewriter, upstream, random);

            foreach (string junk in junkSent)
            {
                Assert.True(output.Contains(junk, StringComparison.Ordinal), $"run {run}: junk event altered: {junk}");
            }

            string expected = Marking.Text.Mark(text);
            Assert.True(expected == Concat(output, "response.output_text.delta", "delta"), $"run {run}: deltas\ntext {text}");
            Assert.Equal(expected, Concat(output, "response.output_text.done", "text"));
            Assert.Equal(expected, OutputText(output));
            if (summary is not null)
            {
                Assert.Equal(Marking.Text.Mark(summary), Concat(output, "response.reasoning_summary_text.delta", "delta"));
                Assert.Equal(Marking.Text.Mark(summary), Concat(output, "response.reasoning_summary_text.done", "text"));
            }
        }
    }

    [Fact]
    public void Hostile_bytes_never_throw_through_the_stream_the_body_and_the_batch_rewriters()
    {
        var random = new Random(77);
        string[] pieces =
        [
            "event: response.output_text.delta\n", "data: {\"type\":\"response.output_text.delta\",\"output_index\":0,\"content_index\":0,\"delta\":\"often \"}\n\n",
            "data: {\"type\":\"response.output_text.done\",\"output_index\":0,\"content_index\":0,\"text\":\"\\ud800\"}\n\n",
            "data: {\"type\":\"response.completed\",\"response\":{\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":5}]}]}}\n\n",
            "data: {\"type\":\"response.output_item.done\",\"output_index\":-1,\"item\":{\"type\":\"message\",\"content\":\"often\"}}\n\n",
            "data: {\"type\":\"response.content_part.done\",\"output_index\":2147483647,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"often\"}}\n\n",
            "{\"response\":{\"body\":{\"object\":\"response\",\"output\":[]}}}\n", "\r", "\n", "\0", "\u00ff", "[[[[[[", "}}}}", "\"", "\\",
        ];
        for (int run = 0; run < 400; run++)
        {
            var input = new StringBuilder();
            int count = random.Next(1, 30);
            for (int i = 0; i < count; i++)
            {
                input.Append(pieces[random.Next(pieces.Length)]);
            }

            byte[] bytes = Encoding.UTF8.GetBytes(input.ToString());
            if (random.Next(3) == 0 && bytes.Length > 0)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            Run(new ResponseStreamRewriter(Marking.Begin(), ResponseTexts.Events), Encoding.UTF8.GetString(bytes), random);
            var output = new System.Buffers.ArrayBufferWriter<byte>();
            new ResponseBodyRewriter(ResponseTexts.Body).Rewrite(bytes, Marking.Begin(), output);
            new BatchOutputRewriter().Rewrite(bytes, Marking.Begin(), new System.Buffers.ArrayBufferWriter<byte>(), new MarkedAnswers());
        }
    }

    private static string Run(ResponseStreamRewriter rewriter, string sse, Random random)
    {
        byte[] input = Encoding.UTF8.GetBytes(sse);
        var parser = new ServerSentEventParser();
        var output = new MemoryStream();
        int start = 0;
        while (start < input.Length)
        {
            int length = Math.Min(input.Length - start, random.Next(1, 50));
            parser.Feed(input.AsSpan(start, length), rewriter);
            output.Write(rewriter.Output.WrittenSpan);
            rewriter.OutputSent();
            start += length;
        }

        parser.Finish(rewriter);
        rewriter.Complete();
        output.Write(rewriter.Output.WrittenSpan);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    /// <summary>Puts junk events between the stream's events at random.</summary>
    private static string WithJunk(string sse, Random random, List<string> sent)
    {
        var result = new StringBuilder();
        foreach (string sseEvent in sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            result.Append(sseEvent).Append("\n\n");
            if (random.Next(6) == 0)
            {
                string junk = Junk[random.Next(Junk.Length)];
                sent.Add(junk);
                result.Append(junk);
            }
        }

        return result.ToString();
    }

    private static IEnumerable<(string? Type, JsonElement Data)> Events(string sse)
    {
        foreach (string block in sse.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string data = string.Join("\n", block.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart(' ')));
            JsonElement root;
            try
            {
                using JsonDocument document = JsonDocument.Parse(data);
                root = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                continue;
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String)
            {
                yield return (type.GetString(), root);
            }
        }
    }

    private static string Concat(string sse, string type, string property) => string.Concat(
        Events(sse).Where(e => e.Type == type && e.Data.TryGetProperty("output_index", out JsonElement index) && index.ValueKind == JsonValueKind.Number)
            .Select(e => e.Data.GetProperty(property).GetString()));

    private static string OutputText(string sse)
    {
        JsonElement response = Events(sse).Single(e => e.Type == "response.completed").Data.GetProperty("response");
        return string.Concat(response.GetProperty("output").EnumerateArray().Where(i => i.GetProperty("type").GetString() == "message")
            .SelectMany(i => i.GetProperty("content").EnumerateArray()).Select(p => p.GetProperty("text").GetString()));
    }

    private static string RandomText(Random random)
    {
        var text = new StringBuilder();
        int words = random.Next(0, 40);
        for (int w = 0; w < words; w++)
        {
            string word = Words[random.Next(Words.Length)];
            text.Append(w == 0 || random.Next(6) == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
            text.Append(random.Next(5) switch { 0 => ", ", 1 => ". ", _ => " " });
        }

        return text.ToString();
    }

    private static List<string> Split(string text, Random random)
    {
        var pieces = new List<string>();
        int start = 0;
        while (start < text.Length)
        {
            int length = Math.Min(random.Next(1, 9), text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length++;
            }

            pieces.Add(text.Substring(start, length));
            start += length;
        }

        return pieces;
    }
}
