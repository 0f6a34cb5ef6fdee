using System.Text;
using System.Text.Json;

namespace CanaryService.ProxyBench;

/// <summary>
/// The ~2 KB answer the fake upstream gives, pre-encoded once: as a chat completion and its SSE chunks, and as a Responses
/// API response object and its typed events.
/// </summary>
internal static class BenchAnswer
{
    /// <summary>About 2 KB of ordinary prose with the usual share of lexicon words, so the marker does real work.</summary>
    public const string Text =
        "Typically, the easiest approach is to start small and measure before changing anything. Moreover, many teams usually find that " +
        "numerous issues disappear once they improve their tests, because a failing test often points straight at the cause. It is " +
        "frequently simple to modify a configuration, and it is usually straightforward to verify the result with a short experiment.\n\n" +
        "Additionally, you should regularly assess the outcome. For example, run the build twice and compare the timings; the second run " +
        "is normally faster because the caches are warm. Finally, it is crucial to choose a reliable and helpful tool, since a tool that " +
        "hides errors will eventually cost more time than it saves. People often select several options and then reduce them to one.\n\n" +
        "Similarly, when a service is slow, look at the largest cost first. Usually it is the network or the disk, rarely the processor. " +
        "A profiler shows where the time goes; a guess seldom does. Nevertheless, small fixes add up: avoid needless allocations, reuse " +
        "buffers, and keep hot loops simple. Certainly, premature optimisation is a risk, but measured optimisation is just engineering.\n\n" +
        "In short, this is mostly straightforward and basically quick: measure, change one thing, and measure again. Many engineers " +
        "typically keep a notebook of what they tried, which helps when the same problem returns months later. Consequently, the team " +
        "learns faster, and the next incident is resolved sooner. Ultimately, good habits matter more than clever tricks, and a calm " +
        "review of the evidence usually beats a heroic late-night fix. Frankly, the boring path is often the quickest one.";

    /// <summary>Characters per streamed delta (OpenAI sends about one token, 4 characters; 20 keeps the event count moderate).</summary>
    public const int DeltaLength = 20;

    public static readonly byte[] Completion = Encoding.UTF8.GetBytes(
        "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1763850000,\"model\":\"gpt-bench\",\"choices\":[{\"index\":0," +
        "\"message\":{\"role\":\"assistant\",\"content\":" + JsonSerializer.Serialize(Text) + ",\"refusal\":null,\"annotations\":[]}," +
        "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":420,\"total_tokens\":440}," +
        "\"system_fingerprint\":\"fp_bench\"}");

    /// <summary>The stream's events: the role chunk, one chunk per delta, the finish chunk, usage and <c>[DONE]</c>.</summary>
    public static readonly byte[][] Events = BuildEvents();

    private static byte[][] BuildEvents()
    {
        var events = new List<string> { Chunk("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null) };
        for (int start = 0; start < Text.Length; start += DeltaLength)
        {
            string delta = Text.Substring(start, Math.Min(DeltaLength, Text.Length - start));
            events.Add(Chunk("{\"content\":" + JsonSerializer.Serialize(delta) + "}", null));
        }

        events.Add(Chunk("{}", "\"stop\""));
        events.Add("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1763850000,\"model\":\"gpt-bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":420,\"total_tokens\":440}}\n\n");
        events.Add("data: [DONE]\n\n");
        return [.. events.Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>The same answer as a Responses API response object (<c>POST /v1/responses</c> without <c>stream</c>).</summary>
    public static readonly byte[] Response = Encoding.UTF8.GetBytes(ResponseObject("completed", MessageItem("completed", Text)));

    /// <summary>
    /// The same answer as the Responses API streams it: <c>response.created</c>, <c>response.in_progress</c>, the message's
    /// <c>response.output_item.added</c> and <c>response.content_part.added</c>, one <c>response.output_text.delta</c> per
    /// delta, then the text repeated whole in <c>response.output_text.done</c>, <c>response.content_part.done</c>,
    /// <c>response.output_item.done</c> and <c>response.completed</c>; each event an <c>event:</c> and a <c>data:</c> line,
    /// numbered by <c>sequence_number</c>.
    /// </summary>
    public static readonly byte[][] ResponseEvents = BuildResponseEvents();

    /// <summary>Where the first <c>response.output_text.delta</c> is in <see cref="ResponseEvents"/>.</summary>
    public const int FirstResponseDelta = 4;

    private const string MessageId = "msg_bench";

    private static byte[][] BuildResponseEvents()
    {
        string text = JsonSerializer.Serialize(Text);
        string part = "\"part\":{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":";
        string inMessage = "\"item_id\":\"" + MessageId + "\",\"output_index\":0,\"content_index\":0,";
        var events = new List<(string Type, string Members)>
        {
            ("response.created", "\"response\":" + ResponseObject("in_progress", "")),
            ("response.in_progress", "\"response\":" + ResponseObject("in_progress", "")),
            ("response.output_item.added", "\"output_index\":0,\"item\":" + MessageItem("in_progress", null)),
            ("response.content_part.added", inMessage + part + "\"\"}"),
        };
        for (int start = 0; start < Text.Length; start += DeltaLength)
        {
            string delta = Text.Substring(start, Math.Min(DeltaLength, Text.Length - start));
            events.Add(("response.output_text.delta", inMessage + "\"delta\":" + JsonSerializer.Serialize(delta) + ",\"logprobs\":[]"));
        }

        events.Add(("response.output_text.done", inMessage + "\"text\":" + text + ",\"logprobs\":[]"));
        events.Add(("response.content_part.done", inMessage + part + text + "}"));
        events.Add(("response.output_item.done", "\"output_index\":0,\"item\":" + MessageItem("completed", Text)));
        events.Add(("response.completed", "\"response\":" + ResponseObject("completed", MessageItem("completed", Text))));
        return [.. events.Select((e, sequence) => Encoding.UTF8.GetBytes(
            "event: " + e.Type + "\ndata: {\"type\":\"" + e.Type + "\",\"sequence_number\":" + sequence + "," + e.Members + "}\n\n"))];
    }

    private static string ResponseObject(string status, string output) =>
        "{\"id\":\"resp_bench\",\"object\":\"response\",\"created_at\":1763850000,\"status\":\"" + status + "\",\"background\":false,\"error\":null," +
        "\"incomplete_details\":null,\"instructions\":null,\"max_output_tokens\":null,\"model\":\"gpt-bench\",\"output\":[" + output + "]," +
        "\"parallel_tool_calls\":true,\"previous_response_id\":null,\"reasoning\":{\"effort\":null,\"summary\":null},\"store\":true," +
        "\"temperature\":1.0,\"text\":{\"format\":{\"type\":\"text\"},\"verbosity\":\"medium\"},\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":1.0," +
        "\"truncation\":\"disabled\",\"usage\":" + (status == "completed"
            ? "{\"input_tokens\":20,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":420,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":440}"
            : "null") + ",\"user\":null,\"metadata\":{}}";

    private static string MessageItem(string status, string? text) =>
        "{\"id\":\"" + MessageId + "\",\"type\":\"message\",\"status\":\"" + status + "\",\"content\":[" + (text is null ? "" :
            "{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":" + JsonSerializer.Serialize(text) + "}") + "],\"role\":\"assistant\"}";

    private static string Chunk(string delta, string? finishReason) =>
        "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1763850000,\"model\":\"gpt-bench\",\"system_fingerprint\":\"fp_bench\"," +
        "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + (finishReason ?? "null") + "}]}\n\n";
}
