using System.Text;
using System.Text.Json;

namespace CanaryService.Testing.Upstream;

/// <summary>
/// Answers of the surfaces beside chat completions, built the way the OpenAI API (and DeepSeek-style servers for
/// reasoning traces) writes them: legacy completions, chat completions with reasoning, the Responses API (a response
/// object and its typed event stream), and Batch API output files.
/// </summary>
public static class SurfaceAnswers
{
    /// <summary>The <c>id</c> of every response object this class writes.</summary>
    public const string ResponseId = "resp_test1";
    private const string MessageId = "msg_test1";
    private const string ReasoningId = "rs_test1";

    /// <summary>A legacy completion (<c>object: text_completion</c>) with one choice per text.</summary>
    public static string Completion(params string[] texts)
    {
        var choices = new StringBuilder();
        for (int i = 0; i < texts.Length; i++)
        {
            choices.Append(i > 0 ? "," : "").Append("{\"text\":").Append(JsonSerializer.Serialize(texts[i]))
                .Append(",\"index\":").Append(i).Append(",\"logprobs\":null,\"finish_reason\":\"stop\"}");
        }

        return "{\"id\":\"cmpl-test1\",\"object\":\"text_completion\",\"created\":1763850000,\"model\":\"gpt-test-instruct\",\"choices\":["
            + choices + "],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}";
    }

    /// <summary>The SSE stream of a one-choice legacy completion whose text arrives as <paramref name="deltas"/>.</summary>
    public static string CompletionStream(IEnumerable<string> deltas)
    {
        var sse = new StringBuilder();
        foreach (string delta in deltas)
        {
            sse.Append(CompletionChunk(delta, null));
        }

        sse.Append(CompletionChunk("", "stop"));
        sse.Append("data: [DONE]\n\n");
        return sse.ToString();
    }

    /// <summary>A chat completion whose message carries <paramref name="reasoning"/> in <paramref name="field"/> beside its content.</summary>
    public static string ChatWithReasoning(string reasoning, string content, string field = "reasoning_content") =>
        "{\"id\":\"chatcmpl-r1\",\"object\":\"chat.completion\",\"created\":1763850000,\"model\":\"reasoner-test\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        + JsonSerializer.Serialize(content) + ",\"" + field + "\":" + JsonSerializer.Serialize(reasoning)
        + "},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":40,\"total_tokens\":49,\"completion_tokens_details\":{\"reasoning_tokens\":30}}}";

    /// <summary>The stream of <see cref="ChatWithReasoning"/>: reasoning deltas (content null) first, then content deltas (reasoning null).</summary>
    public static string ChatWithReasoningStream(IEnumerable<string> reasoning, IEnumerable<string> content, string field = "reasoning_content")
    {
        var sse = new StringBuilder();
        sse.Append(ChatAnswers.Chunk(0, "{\"role\":\"assistant\",\"content\":null,\"" + field + "\":\"\"}"));
        foreach (string delta in reasoning)
        {
            sse.Append(ChatAnswers.Chunk(0, "{\"content\":null,\"" + field + "\":" + JsonSerializer.Serialize(delta) + "}"));
        }

        foreach (string delta in content)
        {
            sse.Append(ChatAnswers.Chunk(0, "{\"content\":" + JsonSerializer.Serialize(delta) + ",\"" + field + "\":null}"));
        }

        sse.Append(ChatAnswers.Chunk(0, "{}", "stop"));
        sse.Append("data: [DONE]\n\n");
        return sse.ToString();
    }

    /// <summary>
    /// A response object (<c>object: response</c>) with a reasoning item whose summary is <paramref name="summary"/> (when
    /// given) and a message whose <c>output_text</c> is <paramref name="text"/>, with an annotation and usage.
    /// </summary>
    public static string Response(string text, string? summary = null, string format = "{\"type\":\"text\"}") =>
        "{\"id\":\"" + ResponseId + "\",\"object\":\"response\",\"created_at\":1763850000,\"status\":\"completed\",\"error\":null,\"incomplete_details\":null,"
        + "\"instructions\":null,\"model\":\"gpt-test\",\"output\":[" + ResponseOutput(text, summary) + "],\"parallel_tool_calls\":true,"
        + "\"previous_response_id\":null,\"reasoning\":{\"effort\":null,\"summary\":null},\"store\":true,\"temperature\":1.0,\"text\":{\"format\":" + format + "},"
        + "\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":1.0,\"truncation\":\"disabled\",\"usage\":{\"input_tokens\":11,\"input_tokens_details\":{\"cached_tokens\":0},"
        + "\"output_tokens\":22,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":33},\"user\":null,\"metadata\":{}}";

    /// <summary>
    /// The typed event stream of <see cref="Response"/>: every event with its <c>event:</c> line and <c>sequence_number</c>,
    /// the texts arriving as the given deltas and repeated whole in the <c>*.done</c> events and <c>response.completed</c>.
    /// </summary>
    public static string ResponseStream(IReadOnlyList<string> deltas, IReadOnlyList<string>? summaryDeltas = null)
    {
        var events = new List<string>();
        string text = string.Concat(deltas);
        string? summary = summaryDeltas is null ? null : string.Concat(summaryDeltas);
        string Envelope(string status, string output) =>
            Response(text, summary).Replace("\"output\":[" + ResponseOutput(text, summary) + "]", "\"output\":[" + output + "]", StringComparison.Ordinal)
                .Replace("\"status\":\"completed\"", "\"status\":\"" + status + "\"", StringComparison.Ordinal);
        events.Add("{\"type\":\"response.created\",\"response\":" + Envelope("in_progress", "") + "}");
        events.Add("{\"type\":\"response.in_progress\",\"response\":" + Envelope("in_progress", "") + "}");
        int messageIndex = 0;
        if (summaryDeltas is not null)
        {
            messageIndex = 1;
            events.Add("{\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"id\":\"" + ReasoningId + "\",\"type\":\"reasoning\",\"summary\":[]}}");
            events.Add("{\"type\":\"response.reasoning_summary_part.added\",\"item_id\":\"" + ReasoningId + "\",\"output_index\":0,\"summary_index\":0,\"part\":{\"type\":\"summary_text\",\"text\":\"\"}}");
            foreach (string delta in summaryDeltas)
            {
                events.Add("{\"type\":\"response.reasoning_summary_text.delta\",\"item_id\":\"" + ReasoningId + "\",\"output_index\":0,\"summary_index\":0,\"delta\":" + JsonSerializer.Serialize(delta) + "}");
            }

            events.Add("{\"type\":\"response.reasoning_summary_text.done\",\"item_id\":\"" + ReasoningId + "\",\"output_index\":0,\"summary_index\":0,\"text\":" + JsonSerializer.Serialize(summary) + "}");
            events.Add("{\"type\":\"response.reasoning_summary_part.done\",\"item_id\":\"" + ReasoningId + "\",\"output_index\":0,\"summary_index\":0,\"part\":{\"type\":\"summary_text\",\"text\":" + JsonSerializer.Serialize(summary) + "}}");
            events.Add("{\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":" + ReasoningItem(summary!) + "}");
        }

        string index = messageIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
        events.Add("{\"type\":\"response.output_item.added\",\"output_index\":" + index + ",\"item\":{\"id\":\"" + MessageId + "\",\"type\":\"message\",\"status\":\"in_progress\",\"content\":[],\"role\":\"assistant\"}}");
        events.Add("{\"type\":\"response.content_part.added\",\"item_id\":\"" + MessageId + "\",\"output_index\":" + index + ",\"content_index\":0,\"part\":{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\"\"}}");
        foreach (string delta in deltas)
        {
            events.Add("{\"type\":\"response.output_text.delta\",\"item_id\":\"" + MessageId + "\",\"output_index\":" + index + ",\"content_index\":0,\"delta\":" + JsonSerializer.Serialize(delta) + ",\"logprobs\":[]}");
        }

        events.Add("{\"type\":\"response.output_text.done\",\"item_id\":\"" + MessageId + "\",\"output_index\":" + index + ",\"content_index\":0,\"text\":" + JsonSerializer.Serialize(text) + ",\"logprobs\":[]}");
        events.Add("{\"type\":\"response.content_part.done\",\"item_id\":\"" + MessageId + "\",\"output_index\":" + index + ",\"content_index\":0,\"part\":{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":" + JsonSerializer.Serialize(text) + "}}");
        events.Add("{\"type\":\"response.output_item.done\",\"output_index\":" + index + ",\"item\":" + MessageItem(text) + "}");
        events.Add("{\"type\":\"response.completed\",\"response\":" + Response(text, summary) + "}");
        return Frame(events);
    }

    /// <summary>Frames typed events as OpenAI does: <c>event: TYPE</c>, <c>data: JSON</c> with <c>sequence_number</c> added last, a blank line.</summary>
    public static string Frame(IEnumerable<string> events)
    {
        var sse = new StringBuilder();
        int sequence = 0;
        foreach (string json in events)
        {
            using JsonDocument document = JsonDocument.Parse(json);
            string type = document.RootElement.GetProperty("type").GetString()!;
            sse.Append("event: ").Append(type).Append('\n')
                .Append("data: ").Append(json[..^1]).Append(",\"sequence_number\":").Append(sequence++).Append("}\n\n");
        }

        return sse.ToString();
    }

    /// <summary>One Batch API output line whose body is <paramref name="bodyJson"/>.</summary>
    public static string BatchLine(string customId, string bodyJson, int status = 200) =>
        "{\"id\":\"batch_req_" + customId + "\",\"custom_id\":\"" + customId + "\",\"response\":{\"status_code\":" + status
        + ",\"request_id\":\"req_" + customId + "\",\"body\":" + bodyJson + "},\"error\":null}";

    private static string CompletionChunk(string text, string? finishReason) =>
        "data: {\"id\":\"cmpl-test1\",\"object\":\"text_completion\",\"created\":1763850000,\"choices\":[{\"text\":" + JsonSerializer.Serialize(text)
        + ",\"index\":0,\"logprobs\":null,\"finish_reason\":" + (finishReason is null ? "null" : "\"" + finishReason + "\"") + "}],\"model\":\"gpt-test-instruct\"}\n\n";

    private static string ResponseOutput(string text, string? summary) =>
        (summary is null ? "" : ReasoningItem(summary) + ",") + MessageItem(text);

    private static string ReasoningItem(string summary) =>
        "{\"id\":\"" + ReasoningId + "\",\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":" + JsonSerializer.Serialize(summary) + "}]}";

    private static string MessageItem(string text) =>
        "{\"id\":\"" + MessageId + "\",\"type\":\"message\",\"status\":\"completed\",\"content\":[{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":"
        + JsonSerializer.Serialize(text) + "}],\"role\":\"assistant\"}";
}
