using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Testing.InMemory;

namespace CanaryService.Reliability.Tests.Infrastructure;

/// <summary>
/// The marking engine with the shipped lexicon under a key named by a fuzzer, for one account and without phrase
/// canaries: the fuzzers hold the rewriters to its whole-text marking.
/// </summary>
internal sealed class FuzzMarking : IDisposable
{
    private const string Account = "fuzz";
    private readonly CanaryMarker _engine;

    /// <summary>Creates the engine under the key derived from <paramref name="keyName"/>.</summary>
    public FuzzMarking(string keyName)
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(keyName))));
        _engine = new CanaryMarker(ring, new CanaryMarkerOptions { PhraseRate = 0 }, new InMemoryCanaryRegistry(), TimeProvider.System);
        Text = _engine.CreateTextMarker(Account);
    }

    /// <summary>The account's whole-text marker.</summary>
    public TextMarker Text { get; }

    /// <summary>The marking of one response (no phrase canary, so it completes at once).</summary>
    public ResponseMarking Begin() => _engine.BeginAsync(new MarkingRequest(Account, null)).GetAwaiter().GetResult();

    /// <inheritdoc />
    public void Dispose() => _engine.Dispose();
}
