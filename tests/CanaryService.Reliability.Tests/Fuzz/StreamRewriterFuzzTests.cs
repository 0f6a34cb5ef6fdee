using System.Text;
using System.Text.Json;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Application.Proxy.ServerSentEvents;
using CanaryService.Core.Lexicon;
using CanaryService.Reliability.Tests.Hostile;
using CanaryService.Reliability.Tests.Infrastructure;

namespace CanaryService.Reliability.Tests.Fuzz;

/// <summary>
/// Seeded fuzzing of the proxy's streaming path (the SSE parser feeding the chunk rewriter, with the real text
/// marker): random answers in random deltas for several choices, interleaved with junk events, cut into random byte
/// slices. It never throws, every event it writes is well-formed, junk passes byte for byte, and each choice's
/// streamed text equals the whole-text marking of the same answer.
/// The fast run fuzzes the first tenth of each seeded sequence; the <c>Simulation</c> run all of it.
/// </summary>
public sealed class StreamRewriterFuzzTests
{
    private static readonly FuzzMarking Marking = new("rewriter-fuzz");
    private static readonly string[] Words = [.. CanaryLexicon.Default.Forms.Take(60), "the", "it", "is", "a", "`code often`", "https://x.y/usually", "3.5", "😀", "naïve", "data: [DONE]", "\n\n", "\r\n", "\"quoted often\"", "\\", "</script>"];
    private static readonly string[] Junk =
    [
        ": keep-alive\n\n",
        "event: ping\ndata: {}\n\n",
        "data: {not json\n\n",
        "data: {\"choices\":\"nope\"}\n\n",
        "data: {\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\n",
        "retry: 100\n\n",
        "id: 5\r\n\r\n",
    ];

    [Fact]
    public void Random_streams_in_random_slices_mark_each_choice_as_its_whole_text() => ChatStreamsMarkEachChoice(60);

    [Fact]
    [Trait("Category", "Simulation")]
    public void Random_streams_in_random_slices_mark_each_choice_as_its_whole_text_exhaustively() => ChatStreamsMarkEachChoice(600);

    private static void ChatStreamsMarkEachChoice(int runs)
    {
        var random = new Random(8086);
        for (int run = 0; run < runs; run++)
        {
            int choices = random.Next(1, 4);
            string[] texts = [.. Enumerable.Range(0, choices).Select(_ => RandomText(random))];
            (byte[] input, List<string> junkSent) = RandomStream(random, texts);

            var rewriter = new ChatCompletionStreamRewriter(Marking.Begin());
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
            string result = Encoding.UTF8.GetString(output.ToArray());

            foreach (string junk in junkSent)
            {
                Assert.True(result.Contains(junk, StringComparison.Ordinal), $"run {run}: junk event altered: {junk}");
            }

            Dictionary<int, StringBuilder> streamed = Contents(result, run);
            for (int c = 0; c < choices; c++)
            {
                string expected = Marking.Text.Mark(texts[c]);
                string actual = streamed.TryGetValue(c, out StringBuilder? text) ? text.ToString() : "";
                Assert.True(expected == actual, $"run {run}, choice {c}:\ntext     {texts[c]}\nexpected {expected}\nactual   {actual}");
            }
        }
    }

    [Fact]
    public void A_CRLF_split_after_an_event_keeps_its_LF_when_the_next_event_is_rewritten()
    {
        // Regression: the LF of "\r\n" arriving in the next read went into the next event's raw bytes, and
        // rewriting that event dropped it, turning the upstream's "\r\n\r\n" into "\r\n\r".
        const string Content = "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Typically it helps. \"},\"finish_reason\":null}]}\r\n\r\n";
        var rewriter = new ChatCompletionStreamRewriter(Marking.Begin());
        var parser = new ServerSentEventParser();
        parser.Feed(Encoding.UTF8.GetBytes("id: 5\r\n\r"), rewriter);
        parser.Feed(Encoding.UTF8.GetBytes("\n" + Content), rewriter);
        parser.Finish(rewriter);
        rewriter.Complete();

        string output = Encoding.UTF8.GetString(rewriter.Output.WrittenSpan);
        Assert.StartsWith("id: 5\r\n\r\ndata: {", output, StringComparison.Ordinal);
    }

    private static Dictionary<int, StringBuilder> Contents(string stream, int run)
    {
        var contents = new Dictionary<int, StringBuilder>();
        foreach (string block in stream.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n"))
        {
            string data = string.Join("\n", block.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]));
            if (data.Length == 0 || data == "[DONE]" || !data.StartsWith("{\"id\"", StringComparison.Ordinal))
            {
                continue;
            }

            using JsonDocument chunk = JsonDocument.Parse(data); // every rewritten event is valid JSON
            foreach (JsonElement choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (choice.GetProperty("delta").TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String)
                {
                    int index = choice.GetProperty("index").GetInt32();
                    if (!contents.TryGetValue(index, out StringBuilder? text))
                    {
                        contents[index] = text = new StringBuilder();
                    }

                    text.Append(content.GetString());
                }
            }
        }

        Assert.True(stream.TrimEnd().EndsWith("data: [DONE]", StringComparison.Ordinal), $"run {run}: [DONE] is not last");
        return contents;
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

    private static (byte[] Bytes, List<string> Junk) RandomStream(Random random, string[] texts)
    {
        // Each choice's text in random deltas (never inside a surrogate pair), the choices interleaved.
        var queues = texts.Select(t => new Queue<string>(Split(t, random))).ToArray();
        var sse = new StringBuilder();
        var junk = new List<string>();
        for (int c = 0; c < texts.Length; c++)
        {
            sse.Append(Chunk(c, "{\"role\":\"assistant\",\"content\":\"\"}", null));
        }

        while (queues.Any(q => q.Count > 0))
        {
            int c = random.Next(texts.Length);
            if (queues[c].Count > 0)
            {
                sse.Append(Chunk(c, "{\"content\":" + JsonSerializer.Serialize(queues[c].Dequeue()) + "}", null));
            }

            if (random.Next(8) == 0)
            {
                string j = Junk[random.Next(Junk.Length)];
                junk.Add(j);
                sse.Append(j);
            }
        }

        for (int c = 0; c < texts.Length; c++)
        {
            sse.Append(Chunk(c, "{}", "stop"));
        }

        sse.Append("data: [DONE]\n\n");
        return (Encoding.UTF8.GetBytes(sse.ToString()), junk);
    }

    private static IEnumerable<string> Split(string text, Random random)
    {
        int start = 0;
        while (start < text.Length)
        {
            int length = Math.Min(text.Length - start, random.Next(1, 9));
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length++;
            }

            yield return text.Substring(start, length);
            start += length;
        }
    }

    private static string Chunk(int index, string delta, string? finish) =>
        "data: {\"id\":\"" + EchoUpstream.Id + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":" + index + ",\"delta\":" + delta
        + ",\"finish_reason\":" + (finish is null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
}
