using System.Buffers;
using System.Text;
using System.Text.Json;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Application.Proxy.Surfaces;
using CanaryService.Testing.Upstream;

namespace CanaryService.Application.Tests.Proxy;

/// <summary>
/// The rewriters of the surfaces beside chat on their own, with the marking engine over a test lexicon (TestMarking): which strings change,
/// that every other byte stays, and that a stream carries the same text as the whole answer for any chunking.
/// </summary>
public sealed class SurfaceRewriterTests
{
    private const string Answer = "Moreover, many shops usually open early; many owners say so, usually.\nMany usually close late.";
    private const string Reasoning = "The user asks about shops. Many usually open early, so I say that; moreover many close late.";

    [Theory]
    [InlineData("reasoning_content")]
    [InlineData("reasoning")]
    public void A_chat_completions_reasoning_trace_is_marked_beside_its_content_and_every_other_byte_stays(string field)
    {
        string body = SurfaceAnswers.ChatWithReasoning(Reasoning, Answer, field);

        (int marked, string output) = RewriteChat(body);

        Assert.Equal(1, marked);
        Assert.Equal(SurfaceAnswers.ChatWithReasoning(TestMarking.Changed(Reasoning), TestMarking.Changed(Answer), field), output);
    }

    [Theory]
    [InlineData("reasoning_content")]
    [InlineData("reasoning")]
    public void A_streamed_reasoning_trace_equals_the_whole_one_marked_and_its_held_back_words_come_before_the_answer(string field)
    {
        var random = new Random(21);
        for (int run = 0; run < 60; run++)
        {
            string sse = SurfaceAnswers.ChatWithReasoningStream(ChatAnswers.Split(Reasoning, random), ChatAnswers.Split(Answer, random), field);
            if (run % 3 == 0)
            {
                sse = sse.Replace("\n", "\r\n", StringComparison.Ordinal);
            }

            var rewriter = new ChatCompletionStreamRewriter(TestMarking.Begin());
            string output = SurfaceStreams.Run(rewriter, sse, random);

            Assert.Equal(TestMarking.Changed(Reasoning), SurfaceStreams.ChoiceText(output, field));
            Assert.Equal(TestMarking.Changed(Answer), SurfaceStreams.ChoiceText(output, "content"));
            Assert.Equal(1, rewriter.MarkedChoices);

            // Every reasoning string comes before the first answer text.
            List<(string? Name, string Data)> events = SurfaceStreams.Events(output);
            int lastReasoning = events.FindLastIndex(e => e.Data.Contains("\"" + field + "\":\"", StringComparison.Ordinal) && !e.Data.Contains("\"" + field + "\":\"\"", StringComparison.Ordinal));
            int firstContent = events.FindIndex(e => e.Data.Contains("\"content\":\"", StringComparison.Ordinal));
            Assert.True(lastReasoning < firstContent, $"reasoning at {lastReasoning} after content at {firstContent}");
            Assert.EndsWith("data: [DONE]\n\n", output.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_legacy_completion_is_marked_in_choices_text_whole_and_streamed_alike()
    {
        byte[] body = Encoding.UTF8.GetBytes(SurfaceAnswers.Completion(Answer, "many usually"));
        var output = new ArrayBufferWriter<byte>();

        int marked = ChatCompletionRewriter.Rewrite(body, ChoiceLayout.CompletionText, TestMarking.Begin(), output);

        Assert.Equal(2, marked);
        Assert.Equal(SurfaceAnswers.Completion(TestMarking.Changed(Answer), TestMarking.Mark("many usually")), Encoding.UTF8.GetString(output.WrittenSpan));

        var random = new Random(8);
        for (int run = 0; run < 60; run++)
        {
            var rewriter = new ChatCompletionStreamRewriter(TestMarking.Begin(), ChoiceLayout.CompletionText);
            string streamed = SurfaceStreams.Run(rewriter, SurfaceAnswers.CompletionStream(ChatAnswers.Split(Answer, random)), random);

            Assert.Equal(TestMarking.Changed(Answer), SurfaceStreams.ChoiceText(streamed, "text", inDelta: false));
            Assert.All(SurfaceStreams.Events(streamed).Where(e => e.Data.StartsWith('{')),
                e => Assert.Contains("\"object\":\"text_completion\"", e.Data, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_legacy_completions_held_back_word_goes_out_in_a_chunk_shaped_like_the_others_when_the_stream_ends_without_a_finish()
    {
        string sse = "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"choices\":[{\"text\":\"so ma\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],\"model\":\"m\"}\n\n"
            + "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"choices\":[{\"text\":\"ny\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],\"model\":\"m\"}\n\n";

        string output = SurfaceStreams.Run(new ChatCompletionStreamRewriter(TestMarking.Begin(), ChoiceLayout.CompletionText), sse, random: null);

        Assert.EndsWith("data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"text\":\"" + TestMarking.Changed("so many") + "\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}]}\n\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_response_objects_output_text_and_reasoning_summary_are_marked_and_every_other_byte_stays()
    {
        (int marked, string output) = RewriteResponse(SurfaceAnswers.Response(Answer, Reasoning));

        Assert.Equal(1, marked);
        Assert.Equal(SurfaceAnswers.Response(TestMarking.Changed(Answer), TestMarking.Changed(Reasoning)), output);
    }

    [Fact]
    public void Function_calls_refusals_and_unknown_items_of_a_response_pass_byte_for_byte()
    {
        string body = "{\"id\":\"resp_2\",\"object\":\"response\",\"output\":["
            + "{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_1\",\"name\":\"many\",\"arguments\":\"{\\\"q\\\":\\\"many usually\\\"}\"},"
            + "{\"type\":\"message\",\"id\":\"msg_1\",\"role\":\"assistant\",\"content\":[{\"type\":\"refusal\",\"refusal\":\"Not many, usually.\"},"
            + "{\"text\":\"many usually\",\"type\":\"output_text\",\"annotations\":[{\"type\":\"url_citation\",\"title\":\"many usually\",\"start_index\":0,\"end_index\":4}]},"
            + "{\"type\":\"x_unknown\",\"text\":\"many\"}]},"
            + "{\"type\":\"web_search_call\",\"id\":\"ws_1\",\"status\":\"completed\",\"action\":{\"query\":\"many usually\"}}],"
            + "\"usage\":{\"total_tokens\":1.50e1},\"x\":[null,true,\"many\"]}";

        (int marked, string output) = RewriteResponse(body);

        Assert.Equal(1, marked);
        Assert.Equal(body.Replace("{\"text\":\"many usually\",\"type\":\"output_text\"", "{\"text\":\"" + TestMarking.Changed("many usually") + "\",\"type\":\"output_text\"", StringComparison.Ordinal), output);
    }

    [Theory]
    [InlineData("{\"type\":\"json_schema\",\"name\":\"answer\",\"schema\":{},\"strict\":true}")]
    [InlineData("{\"type\":\"json_object\"}")]
    public void A_response_with_structured_output_is_left_as_it_came(string format)
    {
        (int marked, string output) = RewriteResponse(SurfaceAnswers.Response("{\"answer\":\"many usually\"}", format: format));

        Assert.Equal(-1, marked);
        Assert.Equal("", output);
    }

    [Fact]
    public void A_response_stream_carries_the_whole_marked_text_in_its_deltas_and_exactly_that_in_every_event_that_repeats_it()
    {
        string expectedText = TestMarking.Changed(Answer), expectedSummary = TestMarking.Changed(Reasoning);
        var random = new Random(13);
        for (int run = 0; run < 60; run++)
        {
            string upstream = SurfaceAnswers.ResponseStream(ChatAnswers.Split(Answer, random), ChatAnswers.Split(Reasoning, random));
            if (run % 4 == 1)
            {
                upstream = upstream.Replace("\n", "\r\n", StringComparison.Ordinal);
            }

            var rewriter = new ResponseStreamRewriter(TestMarking.Begin(), ResponseTexts.Events);
            string output = SurfaceStreams.Run(rewriter, upstream, random);

            AssertResponseStream(upstream, output, expectedText, expectedSummary);
            Assert.Equal(1, rewriter.MarkedChoices);
        }
    }

    [Fact]
    public void A_response_stream_in_reads_of_many_events_marks_each_reads_deltas_together_and_carries_the_same_texts()
    {
        string expectedText = TestMarking.Changed(Answer), expectedSummary = TestMarking.Changed(Reasoning);
        var random = new Random(17);
        for (int run = 0; run < 60; run++)
        {
            string upstream = SurfaceAnswers.ResponseStream(ChatAnswers.Split(Answer, random), ChatAnswers.Split(Reasoning, random));
            if (run % 3 == 2)
            {
                upstream = upstream.Replace("\n", "\r\n", StringComparison.Ordinal);
            }

            // Reads of up to a few thousand bytes, tens of events each, and now and then the whole stream in one read.
            var rewriter = new ResponseStreamRewriter(TestMarking.Begin(), ResponseTexts.Events);
            string output = run % 10 == 0
                ? SurfaceStreams.Run(rewriter, upstream, random: null)
                : SurfaceStreams.Run(rewriter, upstream, random, maxSlice: random.Next(200, 4000));

            AssertResponseStream(upstream, output, expectedText, expectedSummary);
            Assert.Equal(1, rewriter.MarkedChoices);
        }
    }

    [Fact]
    public void Events_between_a_delta_and_the_done_event_wait_behind_the_held_delta_so_the_order_holds()
    {
        List<string> events =
        [
            "{\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"We say so ma\"}",
            "{\"type\":\"response.output_text.annotation.added\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"annotation_index\":0,\"annotation\":{\"type\":\"url_citation\",\"url\":\"https://x\"}}",
            "{\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"ny\"}",
            "{\"type\":\"response.output_text.annotation.added\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"annotation_index\":1,\"annotation\":{\"type\":\"url_citation\",\"url\":\"https://y\"}}",
            "{\"type\":\"response.output_text.done\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"text\":\"We say so many\"}",
        ];
        string upstream = SurfaceAnswers.Frame(events) + ": keep-alive\n\n";

        string output = SurfaceStreams.Run(new ResponseStreamRewriter(TestMarking.Begin(), ResponseTexts.Events), upstream, random: null);
        List<(string? Name, string Data)> read = SurfaceStreams.Events(output);

        Assert.Equal(["response.output_text.delta", "response.output_text.annotation.added", "response.output_text.delta", "response.output_text.annotation.added", "response.output_text.done", null],
            read.Select(e => e.Name));
        // "We say" decides that the line is prose (a line's first two words do), "ma" waits for the rest of its word.
        string marked = TestMarking.Changed("We say so many");
        Assert.Equal(["We say so ", marked[10..]], read.Where(e => e.Name == "response.output_text.delta").Select(e => SurfaceStreams.Parse(e.Data).GetProperty("delta").GetString()));
        Assert.Equal(marked, SurfaceStreams.Parse(read[4].Data).GetProperty("text").GetString());
        Assert.Equal(Enumerable.Range(0, 5), read.Take(5).Select(e => SurfaceStreams.Parse(e.Data).GetProperty("sequence_number").GetInt32()));
        Assert.EndsWith(": keep-alive\n\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cut_response_stream_sends_the_held_back_text_in_its_last_delta_and_nothing_else()
    {
        string upstream = SurfaceAnswers.ResponseStream(["Hello, ma", "ny"]);
        string cut = upstream[..upstream.IndexOf("event: response.output_text.done", StringComparison.Ordinal)];

        string output = SurfaceStreams.Run(new ResponseStreamRewriter(TestMarking.Begin(), ResponseTexts.Events), cut, random: null);

        Assert.Equal(SurfaceStreams.Events(cut).Count, SurfaceStreams.Events(output).Count);
        Assert.Equal(TestMarking.Changed("Hello, many"), SurfaceStreams.Concat(output, "response.output_text.delta", "delta"));
    }

    [Fact]
    public void A_response_stream_spelled_otherwise_is_marked_alike_type_last_names_escaped_data_on_several_lines()
    {
        string expectedText = TestMarking.Changed(Answer), expectedSummary = TestMarking.Changed(Reasoning);
        var random = new Random(31);
        for (int run = 0; run < 20; run++)
        {
            string upstream = Respell(SurfaceAnswers.ResponseStream(ChatAnswers.Split(Answer, random), ChatAnswers.Split(Reasoning, random)));

            var rewriter = new ResponseStreamRewriter(TestMarking.Begin(), ResponseTexts.Events);
            string output = SurfaceStreams.Run(rewriter, upstream, random);

            AssertResponseStream(upstream, output, expectedText, expectedSummary);
            Assert.Equal(1, rewriter.MarkedChoices);
        }
    }

    [Theory]
    [InlineData("{\"type\":\"json_schema\",\"name\":\"a\",\"schema\":{},\"strict\":true}}", true)]
    [InlineData("{\"type\":\"text\"}},\"text\":{\"format\":{\"type\":\"json_object\"}}", true)]
    [InlineData("{\"type\":\"json_object\"}},\"text\":{\"format\":{\"type\":\"text\"}}", false)]
    public void A_response_stream_that_asked_for_structured_output_passes_byte_for_byte_where_the_last_of_a_repeated_name_says_so(string format, bool structured)
    {
        // The format replaces the plain one in every event that carries the response; a repeated name counts as a parsed document reads it: the last one.
        string upstream = SurfaceAnswers.ResponseStream(ChatAnswers.Split(Answer, new Random(5)))
            .Replace("\"text\":{\"format\":{\"type\":\"text\"}}", "\"text\":{\"format\":" + format, StringComparison.Ordinal);

        var rewriter = new ResponseStreamRewriter(TestMarking.Begin(), ResponseTexts.Events);
        string output = SurfaceStreams.Run(rewriter, upstream, new Random(6));

        if (structured)
        {
            Assert.Equal(upstream, output);
            Assert.Equal(0, rewriter.MarkedChoices);
        }
        else
        {
            AssertResponseStream(upstream, output, TestMarking.Changed(Answer), expectedSummary: null);
        }
    }

    [Fact]
    public void A_batch_output_file_has_each_lines_text_marked_and_counts_each_line_with_text_as_one_response()
    {
        string error = "{\"id\":\"batch_req_e\",\"custom_id\":\"e\",\"response\":{\"status_code\":400,\"request_id\":\"req_e\",\"body\":{\"error\":{\"message\":\"many usually\",\"type\":\"invalid_request_error\"}}},\"error\":null}";
        string file = SurfaceAnswers.BatchLine("a", ChatAnswers.Completion(Answer)) + "\n"
            + SurfaceAnswers.BatchLine("b", SurfaceAnswers.Response(Answer, Reasoning)) + "\r\n"
            + error + "\n"
            + "not json, many usually\n"
            + SurfaceAnswers.BatchLine("c", SurfaceAnswers.Completion("many usually")) + "\n";
        var output = new ArrayBufferWriter<byte>();
        var marked = new MarkedAnswers();

        int lines = new BatchOutputRewriter().Rewrite(Encoding.UTF8.GetBytes(file), TestMarking.Begin(), output, marked);

        string expected = SurfaceAnswers.BatchLine("a", ChatAnswers.Completion(TestMarking.Changed(Answer))) + "\n"
            + SurfaceAnswers.BatchLine("b", SurfaceAnswers.Response(TestMarking.Changed(Answer), TestMarking.Changed(Reasoning))) + "\r\n"
            + error + "\n"
            + "not json, many usually\n"
            + SurfaceAnswers.BatchLine("c", SurfaceAnswers.Completion(TestMarking.Changed("many usually"))) + "\n";
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(3, lines); // the error line and the line that is not JSON are not batch output lines
        Assert.Equal([(1, null), (1, null), (1, null)], marked.All);
    }

    [Fact]
    public void A_list_of_stored_chat_completions_has_each_completions_text_marked_and_counts_each_with_text()
    {
        static string Listed(params string[] completions) =>
            "{\"object\":\"list\",\"data\":[" + string.Join(", ", completions) + "],\"first_id\":\"a\",\"last_id\":\"c\",\"has_more\":false}";
        string tool = "{\"id\":\"t\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
            + "\"tool_calls\":[{\"id\":\"call\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"many usually\"}}]},\"finish_reason\":\"tool_calls\"}]}";
        string list = Listed(ChatAnswers.Completion(Answer), tool, "42", ChatAnswers.Completion("many usually"));
        var output = new ArrayBufferWriter<byte>();
        var marked = new MarkedAnswers();

        int items = ChatCompletionListRewriter.Rewrite(Encoding.UTF8.GetBytes(list), TestMarking.Begin(), output, marked);

        Assert.Equal(Listed(ChatAnswers.Completion(TestMarking.Changed(Answer)), tool, "42", ChatAnswers.Completion(TestMarking.Changed("many usually"))),
            Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(3, items); // the three objects; the number is no completion
        Assert.Equal([(1, null), (1, null)], marked.All); // the tool call's arguments are not prose: nothing marked, nothing issued
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"object\":\"list\",\"data\":{\"choices\":[]}}")]
    [InlineData("{\"object\":\"list\",\"data\":[{\"choices\":[]}]")]
    [InlineData("{\"object\":\"list\",\"data\":[]} {}")]
    public void A_body_that_is_not_a_list_of_completions_passes_as_it_came(string body)
    {
        Assert.Equal(-1, ChatCompletionListRewriter.Rewrite(Encoding.UTF8.GetBytes(body), TestMarking.Begin(), new ArrayBufferWriter<byte>(), new MarkedAnswers()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"many\"}]}]")]
    [InlineData("{\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"many \\ud800\"}]}]}")]
    [InlineData("{\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"many\"}]}]} {}")]
    [InlineData("[{\"output\":[]}]")]
    public void A_malformed_response_body_is_passed_on_as_it_came(string body)
    {
        Assert.Equal(-1, RewriteResponse(body).Marked);
    }

    [Fact]
    public void Hostile_response_bodies_never_throw_and_strings_of_other_kinds_pass()
    {
        string deep = new string('[', 200) + new string(']', 200);
        string[] bodies =
        [
            "{\"output\":" + deep + "}",
            "{\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":42}]}]}",
            "{\"output\":{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"many\"}]}}",
            "{\"output\":[{\"type\":\"message\",\"content\":[{\"type\":[\"output_text\"],\"text\":\"many\"}]}]}",
            "{\"output\":[{\"type\":\"message\",\"type\":\"reasoning\",\"content\":[{\"type\":\"output_text\",\"text\":\"many\"}]}]}",
        ];
        foreach (string body in bodies)
        {
            (int marked, string output) = RewriteResponse(body);
            Assert.True(marked == -1 || output == body, body);
        }
    }

    private static (int Marked, string Output) RewriteChat(string body)
    {
        var output = new ArrayBufferWriter<byte>();
        int marked = ChatCompletionRewriter.Rewrite(Encoding.UTF8.GetBytes(body), TestMarking.Begin(), output);
        return (marked, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    private static (int Marked, string Output) RewriteResponse(string body)
    {
        var output = new ArrayBufferWriter<byte>();
        int marked = new ResponseBodyRewriter(ResponseTexts.Body).Rewrite(Encoding.UTF8.GetBytes(body), TestMarking.Begin(), output);
        return (marked, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    /// <summary>
    /// The rewritten stream has the upstream's events in order (names, sequence numbers; events without text byte for
    /// byte), its deltas concatenate to the expected texts, and every event that repeats a text carries exactly that.
    /// </summary>
    internal static void AssertResponseStream(string upstream, string output, string expectedText, string? expectedSummary)
    {
        List<(string? Name, string Data)> before = SurfaceStreams.Events(upstream);
        List<(string? Name, string Data)> after = SurfaceStreams.Events(output);
        Assert.Equal(before.Select(e => e.Name), after.Select(e => e.Name));
        Assert.Equal(before.Select(e => SurfaceStreams.Parse(e.Data).GetProperty("sequence_number").GetInt32()),
            after.Select(e => SurfaceStreams.Parse(e.Data).GetProperty("sequence_number").GetInt32()));
        for (int i = 0; i < before.Count; i++)
        {
            if (before[i].Name is "response.created" or "response.in_progress" or "response.output_item.added" or "response.content_part.added" or "response.reasoning_summary_part.added")
            {
                Assert.Equal(before[i].Data, after[i].Data);
            }
        }

        Assert.Equal(expectedText, SurfaceStreams.Concat(output, "response.output_text.delta", "delta"));
        Assert.Equal(expectedText, SurfaceStreams.Concat(output, "response.output_text.done", "text"));
        foreach ((string? name, string data) in after)
        {
            JsonElement root = SurfaceStreams.Parse(data);
            switch (name)
            {
                case "response.content_part.done":
                    Assert.Equal(expectedText, root.GetProperty("part").GetProperty("text").GetString());
                    break;
                case "response.reasoning_summary_part.done":
                    Assert.Equal(expectedSummary, root.GetProperty("part").GetProperty("text").GetString());
                    break;
                case "response.output_item.done":
                    JsonElement item = root.GetProperty("item");
                    Assert.Equal(item.GetProperty("type").GetString() == "message" ? expectedText : expectedSummary,
                        item.GetProperty("type").GetString() == "message" ? item.GetProperty("content")[0].GetProperty("text").GetString() : item.GetProperty("summary")[0].GetProperty("text").GetString());
                    break;
                case "response.completed":
                    Assert.Equal(expectedText, OutputText(root.GetProperty("response")));
                    break;
            }
        }

        if (expectedSummary is not null)
        {
            Assert.Equal(expectedSummary, SurfaceStreams.Concat(output, "response.reasoning_summary_text.delta", "delta"));
            Assert.Equal(expectedSummary, SurfaceStreams.Concat(output, "response.reasoning_summary_text.done", "text"));
        }
    }

    /// <summary>
    /// The same events spelled as a JSON writer might: <c>type</c> last, indented over several <c>data:</c> lines, the
    /// names the rewriter looks for escaped (<c>\u0065</c> is <c>e</c>, <c>\u005f</c> is <c>_</c>).
    /// </summary>
    private static string Respell(string sse)
    {
        var respelled = new StringBuilder();
        foreach ((string? name, string data) in SurfaceStreams.Events(sse))
        {
            var json = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(data)!;
            System.Text.Json.Nodes.JsonNode? type = json["type"];
            json.Remove("type");
            json["type"] = type;
            string indented = json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
                .Replace("\"delta\":", "\"d\\u0065lta\":", StringComparison.Ordinal)
                .Replace("\"output_index\":", "\"output\\u005findex\":", StringComparison.Ordinal)
                .Replace("\"text\":", "\"t\\u0065xt\":", StringComparison.Ordinal);
            respelled.Append("event: ").Append(name).Append('\n');
            foreach (string line in indented.Split('\n'))
            {
                respelled.Append("data: ").Append(line).Append('\n');
            }

            respelled.Append('\n');
        }

        return respelled.ToString();
    }

    /// <summary>The concatenated <c>output_text</c> of a response object's message items.</summary>
    internal static string OutputText(JsonElement response) => string.Concat(
        response.GetProperty("output").EnumerateArray().Where(i => i.GetProperty("type").GetString() == "message")
            .SelectMany(i => i.GetProperty("content").EnumerateArray()).Where(p => p.GetProperty("type").GetString() == "output_text")
            .Select(p => p.GetProperty("text").GetString()));
}
