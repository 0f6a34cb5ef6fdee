using System.Text;
using System.Text.Json;

namespace CanaryService.ProxyBench;

/// <summary>The ~2 KB answer the fake upstream gives, pre-encoded once as a completion and as SSE events.</summary>
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

    private static string Chunk(string delta, string? finishReason) =>
        "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1763850000,\"model\":\"gpt-bench\",\"system_fingerprint\":\"fp_bench\"," +
        "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + (finishReason ?? "null") + "}]}\n\n";
}
