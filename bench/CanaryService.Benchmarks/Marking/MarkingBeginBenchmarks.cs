using BenchmarkDotNet.Attributes;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;

namespace CanaryService.Benchmarks.Marking;

/// <summary>
/// What the proxy does before an answer arrives, per request: <see cref="CanaryMarker.BeginAsync"/> for a prompt that
/// draws no canary (most requests: the phrase draw, the account's marker) and one that does (the prompt's checks and
/// its topic's canary, registered once and cached).
/// </summary>
[MemoryDiagnoser]
public class MarkingBeginBenchmarks
{
    private CanaryMarker _marker = null!;
    private MarkingRequest _undrawn = null!;
    private MarkingRequest _drawn = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        _marker = new CanaryMarker(ring, new CanaryMarkerOptions { PhraseRate = 0.2 }, new AcceptingRegistry(), TimeProvider.System);
        string prompt = "Explain how a hash table handles collisions, with an example in C#, and say when to prefer a sorted map instead.";
        MarkingRequest[] requests = [.. Enumerable.Range(0, 200).Select(i => new MarkingRequest("key-0123456789abcdef0123456789abcdef", prompt + " #" + i))];
        _undrawn = requests.First(r => !_marker.DrawsCanary(r.AccountId, r));
        _drawn = requests.First(r => _marker.DrawsCanary(r.AccountId, r));
    }

    [GlobalCleanup]
    public void Cleanup() => ((object)_marker as IDisposable)?.Dispose();

    /// <summary>A request that draws no phrase canary.</summary>
    [Benchmark(Baseline = true)]
    public ResponseMarking Undrawn() => _marker.BeginAsync(_undrawn).GetAwaiter().GetResult();

    /// <summary>A request that draws its topic's canary (registered on the first call, cached after).</summary>
    [Benchmark]
    public ResponseMarking Drawn() => _marker.BeginAsync(_drawn).GetAwaiter().GetResult();

    private sealed class AcceptingRegistry : ICanaryRegistry
    {
        public Task RegisterAsync(CanaryRecord record, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async IAsyncEnumerable<CanaryRecord> ListAsync(string? epoch = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            yield break;
        }
    }
}
