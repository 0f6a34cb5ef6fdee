using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using CanaryService.Api.Proxy.Marking;
using CanaryService.Api.Proxy.Rewriting;
using CanaryService.Api.Proxy.ServerSentEvents;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Core.Phrases;
using CanaryService.Core.Ports;

namespace CanaryService.Benchmarks.Proxy;

/// <summary>
/// The proxy's rewriters on the load test's answer (bench/CanaryService.ProxyBench/BenchAnswer): one 2 KB
/// completion, and the same text as 86 SSE events fed in one read. Lexical marking only (no phrase canary), as for
/// most responses; allocations are per response.
/// </summary>
[MemoryDiagnoser]
public class RewriterBenchmarks
{
    private const int DeltaLength = 20;

    private const string Text =
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

    private readonly PooledBufferWriter _output = new(32 * 1024);
    private EngineResponseMarker _marker = null!;
    private byte[] _completion = null!;
    private byte[] _stream = null!;
    private byte[][] _eventData = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        _marker = new EngineResponseMarker(new CanaryMarker(ring, new CanaryMarkerOptions { PhraseRate = 0 }, new NoRegistry(), TimeProvider.System));
        _completion = Encoding.UTF8.GetBytes(
            "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1763850000,\"model\":\"gpt-bench\",\"choices\":[{\"index\":0," +
            "\"message\":{\"role\":\"assistant\",\"content\":" + JsonSerializer.Serialize(Text) + ",\"refusal\":null,\"annotations\":[]}," +
            "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":420,\"total_tokens\":440}," +
            "\"system_fingerprint\":\"fp_bench\"}");
        var events = new StringBuilder(Chunk("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null));
        for (int start = 0; start < Text.Length; start += DeltaLength)
        {
            events.Append(Chunk("{\"content\":" + JsonSerializer.Serialize(Text.Substring(start, Math.Min(DeltaLength, Text.Length - start))) + "}", null));
        }

        events.Append(Chunk("{}", "\"stop\""));
        events.Append("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1763850000,\"model\":\"gpt-bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":420,\"total_tokens\":440}}\n\n");
        events.Append("data: [DONE]\n\n");
        _stream = Encoding.UTF8.GetBytes(events.ToString());
        _eventData = [.. events.ToString().Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => Encoding.UTF8.GetBytes(e["data: ".Length..]))];
    }

    /// <summary>One 2 KB non-streaming completion: scan, mark, splice.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> Completion2KB()
    {
        IResponseMarking marking = await _marker.BeginAsync("bench", "", CancellationToken.None).ConfigureAwait(false);
        _output.ResetWrittenCount();
        ChatCompletionRewriter.Rewrite(_completion, marking, _output);
        return _output.WrittenCount;
    }

    /// <summary>The same answer as 86 SSE events: parse, scan each chunk, stream-mark, re-encode.</summary>
    [Benchmark]
    public async Task<int> Stream86Events()
    {
        IResponseMarking marking = await _marker.BeginAsync("bench", "", CancellationToken.None).ConfigureAwait(false);
        var rewriter = new ChatCompletionStreamRewriter(marking);
        var parser = new ServerSentEventParser();
        parser.Feed(_stream, rewriter);
        parser.Finish(rewriter);
        rewriter.Complete();
        int length = rewriter.Output.WrittenCount;
        rewriter.Output.Release();
        return length;
    }

    /// <summary>Only the JSON scan of the 86 events' data (what the rewriter does before marking).</summary>
    [Benchmark]
    public int ScanOnly86Events()
    {
        var choices = new List<ChoiceContent>();
        var envelope = new List<Range>();
        int found = 0;
        foreach (byte[] data in _eventData)
        {
            ChoiceScan.TryScan(data, "delta"u8, choices, envelope);
            found += choices.Count;
        }

        return found;
    }

    private static string Chunk(string delta, string? finishReason) =>
        "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1763850000,\"model\":\"gpt-bench\",\"system_fingerprint\":\"fp_bench\"," +
        "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + (finishReason ?? "null") + "}]}\n\n";

    private sealed class NoRegistry : ICanaryRegistry
    {
        public Task RegisterAsync(CanaryRecord record, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async IAsyncEnumerable<CanaryRecord> ListAsync(string? epoch = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            yield break;
        }
    }
}
