using System.Text;
using System.Text.Json;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Application.Proxy.ServerSentEvents;
using CanaryService.Testing.Upstream;

namespace CanaryService.Application.Tests.Proxy;

public sealed class ChatCompletionStreamRewriterTests
{
    private const string Text = "Moreover, many cafés usually open early; many café owners say naïve 😀 things, usually.";

    [Fact]
    public void For_any_chunking_the_streamed_text_equals_the_whole_text_marked()
    {
        string expected = TestMarking.Changed(Text);
        var random = new Random(5);
        for (int run = 0; run < 100; run++)
        {
            string sse = ChatAnswers.Stream(ChatAnswers.Split(Text, random));
            string output = Run(sse, random);

            Assert.Equal(expected, ContentOf(output, 0));
            Assert.EndsWith("data: [DONE]\n\n", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_held_back_text_arrives_before_the_finish_reason_chunk_and_other_events_pass_unchanged()
    {
        string roleChunk = ChatAnswers.Chunk(0, "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}");
        string finish = ChatAnswers.Chunk(0, "{}", "stop");
        string usage = "data: {\"id\":\"chatcmpl-test1\",\"choices\":[],\"usage\":{\"total_tokens\":3,\"x\":1.0}}\n\n";
        string sse = roleChunk + ": ping\n\n" + ChatAnswers.Chunk(0, "{\"content\":\"We say so ma\"}") + ChatAnswers.Chunk(0, "{\"content\":\"ny\"}") + finish + usage + "data: [DONE]\n\n";

        string output = Run(sse, random: null);
        List<string> events = [.. output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e + "\n\n")];

        Assert.Equal(roleChunk, events[0]);
        Assert.Equal(": ping\n\n", events[1]);
        Assert.Equal("We say so ", Delta(events[2])); // the line's first two words decide it is prose; "ma" waits
        Assert.Equal("", Delta(events[3]));
        Assert.Equal(TestMarking.Changed("We say so many")[10..], Delta(events[4]));
        Assert.Contains("\"id\":\"chatcmpl-test1\"", events[4], StringComparison.Ordinal);
        Assert.Contains("\"model\":\"gpt-test\"", events[4], StringComparison.Ordinal);
        Assert.Equal(finish, events[5]);
        Assert.Equal(usage, events[6]);
        Assert.Equal("data: [DONE]\n\n", events[7]);
    }

    [Fact]
    public void Choices_are_marked_separately_and_tool_call_and_refusal_deltas_pass_unchanged()
    {
        string toolCall = ChatAnswers.Chunk(2, "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"many\\\"\"}}]}");
        string refusal = ChatAnswers.Chunk(3, "{\"refusal\":\"Not many\"}");
        string sse = ChatAnswers.Chunk(0, "{\"content\":\"many ma\"}") + ChatAnswers.Chunk(1, "{\"content\":\"usua\"}") + toolCall + refusal
            + ChatAnswers.Chunk(1, "{\"content\":\"lly\"}") + ChatAnswers.Chunk(0, "{\"content\":\"ny\"}", "stop") + ChatAnswers.Chunk(1, "{}", "stop") + "data: [DONE]\n\n";

        string output = Run(sse, new Random(3));

        Assert.Equal(TestMarking.Changed("many many"), ContentOf(output, 0));
        Assert.Equal(TestMarking.Changed("usually"), ContentOf(output, 1));
        Assert.Contains(toolCall, output, StringComparison.Ordinal);
        Assert.Contains(refusal, output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_that_ends_without_finish_reason_still_delivers_the_held_back_text()
    {
        string output = Run(ChatAnswers.Chunk(0, "{\"content\":\"so many\"}"), random: null);

        Assert.Equal(TestMarking.Changed("so many"), ContentOf(output, 0));
    }

    [Fact]
    public void Multi_line_data_and_crlf_events_are_rewritten_into_valid_events()
    {
        string sse = "id: 1\r\ndata: {\"choices\":[{\"index\":0,\r\ndata: \"delta\":{\"content\":\"so many \"}}]}\r\n\r\ndata: [DONE]\r\n\r\n";

        string output = Run(sse, random: null);

        string marked = TestMarking.Changed("so many ");
        Assert.StartsWith("id: 1\r\ndata: {\"choices\":[{\"index\":0,\ndata: \"delta\":{\"content\":\"" + marked + "\"}}]}\n\n", output, StringComparison.Ordinal);
        Assert.Equal(marked, ContentOf(output, 0));
    }

    [Fact]
    public void Chunks_shaped_like_the_last_one_come_out_as_a_full_scan_of_each_would_write_them()
    {
        // The rewriter reads only the content string of a chunk whose bytes around it match the last scanned chunk's.
        // Reference: the same stream with a content-free chunk between every two events, which forces a full scan of
        // each; once those separators are removed the output must be the same bytes.
        const string Separator = "data: {\"choices\":[]}\n\n";
        string[] middles =
        [
            "\"many \"", "\"usua\"", "\"lly, \\\"many\\\" \"", "\"\\u0063af\\u00e9 \"", "\"a\",\"content\":\"many \"",
            "\"x\", \"refusal\":\"no\"", "\"bad \\ud800 escape\"", "\"unterminated", " \"spaced\" ", "\"😀 naïve many\"", "\"\"", "null",
            "\"\\n\\nmany.\"",
        ];
        string prefix = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":";
        string suffix = "},\"finish_reason\":null}],\"system_fingerprint\":\"fp\"}\n\n";
        var random = new Random(11);
        for (int run = 0; run < 200; run++)
        {
            string[] events = [.. Enumerable.Range(0, 12).Select(_ => prefix + middles[random.Next(middles.Length)] + suffix)];
            string tail = ChatAnswers.Chunk(0, "{}", "stop") + "data: [DONE]\n\n";
            string reference = Run(string.Concat(events.Select(e => e + Separator)) + tail, random: null).Replace(Separator, "", StringComparison.Ordinal);

            Assert.Equal(reference, Run(string.Concat(events) + tail, random));

            // Whole, or in reads of several events (batched, so cut differently from the reference), the rewriter takes
            // runs of usual deltas straight from the read (TakeEvents): the same bytes as when the parser finds each one.
            int seed = random.Next();
            Assert.Equal(Run(string.Concat(events) + tail, new Random(seed), maxSlice: 600, takeEvents: false), Run(string.Concat(events) + tail, new Random(seed), maxSlice: 600));
            Assert.Equal(Run(string.Concat(events) + tail, random: null, takeEvents: false), Run(string.Concat(events) + tail, random: null));
        }
    }

    [Fact]
    public void A_run_of_usual_deltas_is_taken_from_the_read_up_to_the_first_event_of_another_shape()
    {
        string first = ChatAnswers.Chunk(0, "{\"content\":\"x \"}");
        string usual = ChatAnswers.Chunk(0, "{\"content\":\"many \\\"cafés\\\" \"}");
        string other = ChatAnswers.Chunk(0, "{\"content\":\"y\",\"refusal\":null}");
        var parser = new ServerSentEventParser();
        var rewriter = new ChatCompletionStreamRewriter(TestMarking.Begin());
        parser.Feed(Encoding.UTF8.GetBytes(first), rewriter); // sets the shape
        byte[] read = Encoding.UTF8.GetBytes(usual + usual + other + usual);

        Assert.Equal(2 * Encoding.UTF8.GetByteCount(usual), rewriter.TakeEvents(read));
        Assert.Equal(0, rewriter.TakeEvents(Encoding.UTF8.GetBytes(other)));
        Assert.Equal(0, rewriter.TakeEvents(Encoding.UTF8.GetBytes(usual).AsSpan()[..^1])); // cut off before its blank line ends
    }

    [Fact]
    public void The_deltas_of_one_read_are_marked_together_and_each_event_gets_as_many_characters_as_it_brought()
    {
        // The first content delta is scanned in full (its shape differs from the role chunk's) and held: a line's first
        // two words decide whether it is code. The four after it match its shape and arrive in the same read, so they are
        // marked as one text: the held "Moreover, " and "many cafés usually open " (the trailing "early" is held back
        // until the finish chunk) become "Furthermore, numerous cafés typically open ", cut 7, 11, 6 and the rest.
        Assert.Equal("Furthermore, numerous cafés typically open early", TestMarking.Mark("Moreover, many cafés usually open early"));
        string sse = ChatAnswers.Stream(["Moreover, ", "many ca", "fés usually", " open ", "early"]);
        var parser = new ServerSentEventParser();
        var rewriter = new ChatCompletionStreamRewriter(TestMarking.Begin());

        parser.Feed(Encoding.UTF8.GetBytes(sse), rewriter);
        string output = Encoding.UTF8.GetString(rewriter.Output.WrittenSpan);
        List<string> events = [.. output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e + "\n\n")];

        Assert.Equal(["", "", "Further", "more, numer", "ous ca", "fés typically open ", "early", ""], events.Take(8).Select(Delta));
        Assert.Equal(ContentChunk("Further"), events[2]);
        Assert.Equal(ContentChunk("more, numer"), events[3]);
        Assert.Equal(ContentChunk("fés typically open "), events[5]);
        Assert.Equal(ChatAnswers.Chunk(0, "{}", "stop"), events[7]);
        Assert.Equal("data: [DONE]\n\n", events[^1]);
    }

    [Fact]
    public void A_batch_is_never_cut_inside_a_surrogate_pair()
    {
        // "x " is held (a line's first two words decide whether it is code); the batch "many 😀abcde" + "f " with it marks
        // to "x numerous 😀abcdef ". The first delta brought 12 characters, and the 12th of the marked text is the high
        // half of the emoji, so the cut moves one on.
        Assert.Equal("x numerous 😀abcdef ", TestMarking.Mark("x many 😀abcdef "));
        string sse = ChatAnswers.Stream(["x ", "many 😀abcde", "f "]);

        string output = Run(sse, random: null);
        string[] deltas = [.. output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(e => e.Contains("\"delta\"", StringComparison.Ordinal)).Select(e => Delta(e + "\n\n"))];

        Assert.Equal(["", "", "x numerous 😀", "abcdef ", ""], deltas);
    }

    [Fact]
    public void A_batched_delta_whose_text_is_unchanged_keeps_its_bytes()
    {
        string escaped = ChatAnswers.Chunk(0, "{\"content\":\"\\u0041BC \"}");
        string sse = ChatAnswers.Chunk(0, "{\"content\":\"x y \"}") + escaped + ChatAnswers.Chunk(0, "{\"content\":\"many \"}") + "data: [DONE]\n\n";

        string output = Run(sse, random: null);

        Assert.Contains(escaped + ContentChunk(TestMarking.Changed("x y ABC many ")[8..]), output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_event_a_read_completes_is_written_by_the_end_of_that_read()
    {
        string sse = ChatAnswers.Stream(["x ", "many ", "cafés ", "ope", "n late"]);
        byte[] bytes = Encoding.UTF8.GetBytes(sse);
        int cut = sse.IndexOf("ope", StringComparison.Ordinal); // the fourth content event is cut in two
        var parser = new ServerSentEventParser();
        var rewriter = new ChatCompletionStreamRewriter(TestMarking.Begin());

        parser.Feed(bytes.AsSpan(0, Encoding.UTF8.GetByteCount(sse[..cut])), rewriter);
        string first = Encoding.UTF8.GetString(rewriter.Output.WrittenSpan);

        Assert.Equal(TestMarking.Changed("x many cafés "), ContentOf(first, 0));
        Assert.Equal(4, first.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    /// <summary>A content chunk as the rewriter writes one (the relaxed encoder keeps non-ASCII letters as they are).</summary>
    private static string ContentChunk(string content) =>
        ChatAnswers.Chunk(0, "{\"content\":" + JsonSerializer.Serialize(content, RelaxedJson) + "}");

    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Runs the SSE text through parser and rewriter, in random slices when a random is given.</summary>
    private static string Run(string sse, Random? random, int maxSlice = 8, bool takeEvents = true)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(sse);
        var parser = new ServerSentEventParser();
        var rewriter = new ChatCompletionStreamRewriter(TestMarking.Begin());
        IServerSentEventSink sink = takeEvents ? rewriter : new EventByEvent(rewriter);
        var output = new MemoryStream();
        int start = 0;
        while (start < bytes.Length)
        {
            int length = random is null ? bytes.Length : Math.Min(random.Next(1, maxSlice + 1), bytes.Length - start);
            parser.Feed(bytes.AsSpan(start, length), sink);
            output.Write(rewriter.Output.WrittenSpan);
            rewriter.OutputSent();
            start += length;
        }

        parser.Finish(sink);
        rewriter.Complete();
        output.Write(rewriter.Output.WrittenSpan);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static string Delta(string sseEvent)
    {
        string data = string.Concat(sseEvent.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart(' ')));
        using JsonDocument document = JsonDocument.Parse(data);
        JsonElement delta = document.RootElement.GetProperty("choices")[0].GetProperty("delta");
        return delta.TryGetProperty("content", out JsonElement content) ? content.GetString() ?? "" : "";
    }

    /// <summary>The concatenated <c>delta.content</c> of one choice over all events (as an SDK would assemble it).</summary>
    internal static string ContentOf(string sse, int choiceIndex)
    {
        var text = new StringBuilder();
        foreach (string sseEvent in sse.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string data = string.Join("\n", sseEvent.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart(' ')));
            if (data.Length == 0 || data == "[DONE]")
            {
                continue;
            }

            using JsonDocument document = JsonDocument.Parse(data);
            foreach (JsonElement choice in document.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (choice.GetProperty("index").GetInt32() == choiceIndex
                    && choice.GetProperty("delta").TryGetProperty("content", out JsonElement content)
                    && content.ValueKind == JsonValueKind.String)
                {
                    text.Append(content.GetString());
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The rewriter without <see cref="IServerSentEventSink.TakeEvents"/>: the parser hands on every event.</summary>
    private sealed class EventByEvent(ChatCompletionStreamRewriter rewriter) : IServerSentEventSink
    {
        public void OnEvent(in ServerSentEvent serverSentEvent) => rewriter.OnEvent(serverSentEvent);

        public void OnReadEnd() => rewriter.OnReadEnd();
    }
}
