using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Phrases;
using CanaryService.Storage.PromptSamples;

namespace CanaryService.Benchmarks.Writers;

/// <summary>
/// What a proxied request costs beyond marking since the traffic features and the prompt sample were added: the
/// traffic writer's reduction of a prompt (tokens, skeleton MinHash, sketches), the prompt sample's keyed priority and
/// window, and the piece-request check a request drawn for a phrase canary makes. Per request; the load test's prompt
/// and a longer, templated one.
/// </summary>
[MemoryDiagnoser]
public class WriterBenchmarks
{
    // The load test's prompt (bench/launch.sh, chat_body).
    private const string LoadPrompt = "How do I find where the time goes in a slow service?";

    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly byte[] _key = SHA256.HashData("bench"u8);
    private PromptShape _shape = null!;
    private PromptSampleKeys _keys = null!;
    private AccountTrafficWindow _window = null!;
    private string _longPrompt = null!;
    private TrafficObservation _loadObservation = null!;
    private TrafficObservation _longObservation = null!;

    [GlobalSetup]
    public void Setup()
    {
        _shape = new PromptShape(_key);
        _keys = new PromptSampleKeys(_key, TimeSpan.FromDays(1));
        _window = new AccountTrafficWindow("bench");
        _longPrompt = string.Concat(Enumerable.Repeat("Solve the following problem step by step and show your work. Problem: a train leaves station 12 at 9:40 and travels 85 km at a steady speed. ", 5))
            + "Final answer only, as a number.";
        _loadObservation = Observation(LoadPrompt);
        _longObservation = Observation(_longPrompt);
    }

    /// <summary>The traffic writer's work for one request with the load test's prompt: reduce, then add to the account's window.</summary>
    [Benchmark(Baseline = true)]
    public long TrafficReduceLoadPrompt()
    {
        _window.Add(_loadObservation, _shape.Reduce(LoadPrompt));
        return _window.Requests;
    }

    /// <summary>The same for a 680-character templated prompt that asks for reasoning.</summary>
    [Benchmark]
    public long TrafficReduceLongPrompt()
    {
        _window.Add(_longObservation, _shape.Reduce(_longPrompt));
        return _window.Requests;
    }

    /// <summary>The prompt sample's window and keyed priority of the load test's prompt, as computed before (string concatenation, UTF-8 copy, one-shot HMAC, the window formatted per prompt).</summary>
    [Benchmark]
    public ulong PromptPriorityConcatenatedLoadPrompt() => PriorityConcatenated(LoadPrompt);

    /// <summary>The same through <see cref="PromptSampleKeys.Priority"/> as shipped.</summary>
    [Benchmark]
    public ulong PromptPriorityLoadPrompt() => _keys.Priority("bench", PromptSampleKeys.Window(_keys.WindowStart(At)), LoadPrompt);

    /// <summary><see cref="PromptPriorityConcatenatedLoadPrompt"/> for the long prompt.</summary>
    [Benchmark]
    public ulong PromptPriorityConcatenatedLongPrompt() => PriorityConcatenated(_longPrompt);

    /// <summary><see cref="PromptPriorityLoadPrompt"/> for the long prompt.</summary>
    [Benchmark]
    public ulong PromptPriorityLongPrompt() => _keys.Priority("bench", PromptSampleKeys.Window(_keys.WindowStart(At)), _longPrompt);

    /// <summary>The shape alone (tokens, MinHash, reasoning cues) of the load test's prompt, without the window.</summary>
    [Benchmark]
    public int TrafficShapeOnlyLoadPrompt() => _shape.Reduce(LoadPrompt).TemplateKeys.Length;

    /// <summary>The reasoning-cue check alone on the long prompt.</summary>
    [Benchmark]
    public bool ReasoningCuesLongPrompt() => PromptShape.IsReasoningEliciting(_longPrompt);

    /// <summary>The piece-request check of a request drawn for a phrase canary (a fifth of them at the default rate).</summary>
    [Benchmark]
    public bool PieceRequestLoadPrompt() => PieceRequest.Matches(LoadPrompt);

    /// <summary>The same for the long prompt.</summary>
    [Benchmark]
    public bool PieceRequestLongPrompt() => PieceRequest.Matches(_longPrompt);

    private ulong PriorityConcatenated(string prompt)
    {
        string window = PromptSampleKeys.Window(_keys.WindowStart(At));
        byte[] data = Encoding.UTF8.GetBytes("bench" + "\0" + window + "\0" + prompt);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, data, mac);
        return BinaryPrimitives.ReadUInt64BigEndian(mac);
    }

    private static TrafficObservation Observation(string prompt) =>
        new("bench", At, prompt, 1, TrafficSurfaces.Streaming, 260, "OpenAI/Python 1.54.0", "203.0.113.9", "sk-…bnch");
}
