using System.Globalization;
using CanaryService.Core.Probing;

namespace CanaryService.Core.Evidence;

/// <summary>
/// The checks of <see cref="IEvidenceLedger.VerifyAsync"/>, one row at a time, so every ledger verifies alike: per
/// chain, sequences run 1, 2, 3… without a gap; each row names its chain's competitor; each row's <c>PrevHash</c> is
/// the previous row's <c>Hash</c>; each <c>Hash</c> recomputes from its content; each referenced transcript still
/// hashes to its name (checked once however many rows cite it).
/// </summary>
public sealed class EvidenceChainVerifier
{
    private readonly ITranscriptStore _transcripts;
    private readonly HashSet<string> _transcriptsChecked = new(StringComparer.Ordinal);
    private string _competitor = "";
    private long _expected;
    private string _previous = EvidenceChain.GenesisHash;
    private string _at = "";

    /// <summary>Creates a verifier that checks referenced transcripts in <paramref name="transcripts"/>.</summary>
    public EvidenceChainVerifier(ITranscriptStore transcripts)
    {
        ArgumentNullException.ThrowIfNull(transcripts);
        _transcripts = transcripts;
    }

    /// <summary>The rows counted so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Starts the chain of <paramref name="competitor"/>: its rows follow, in sequence order.</summary>
    public void StartChain(string competitor)
    {
        ArgumentNullException.ThrowIfNull(competitor);
        _competitor = competitor;
        _expected = 1;
        _previous = EvidenceChain.GenesisHash;
    }

    /// <summary>Counts the chain's next row (before it is read, so an unreadable row counts too).</summary>
    public void NextRow()
    {
        Rows++;
        _at = string.Create(CultureInfo.InvariantCulture, $"{_competitor}/{_expected}");
    }

    /// <summary>
    /// Checks the row counted by <see cref="NextRow"/>; the failed verification, or null when the row holds.
    /// <paramref name="storedUnderItsCompetitor"/> is false when the store keeps the row under another chain's key.
    /// </summary>
    public async Task<LedgerVerification?> CheckAsync(EvidenceEntry entry, bool storedUnderItsCompetitor = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Sequence != _expected)
        {
            return Broken(_at, string.Create(CultureInfo.InvariantCulture, $"row {_expected} is missing (the next row found is {entry.Sequence})"));
        }

        if (!string.Equals(entry.Draft.Competitor, _competitor, StringComparison.Ordinal) || !storedUnderItsCompetitor)
        {
            return Broken(_at, "the row names another competitor than its chain");
        }

        if (!string.Equals(entry.PrevHash, _previous, StringComparison.Ordinal))
        {
            return Broken(_at, _expected == 1
                ? "the first row does not start from the genesis hash"
                : "PrevHash does not match the previous row's hash (a row before it was changed or replaced)");
        }

        if (!string.Equals(EvidenceChain.ComputeHash(entry.Draft, entry.Sequence, entry.PrevHash), entry.Hash, StringComparison.Ordinal))
        {
            return Broken(_at, "the row's content does not match its hash (the row was edited)");
        }

        if (entry.Draft.TranscriptName is { } name && _transcriptsChecked.Add(name))
        {
            string? actual = await _transcripts.ComputeHashAsync(name, cancellationToken).ConfigureAwait(false);
            if (actual is null)
            {
                return Broken("transcript/" + name, $"the transcript referenced by {_at} is missing");
            }

            if (!string.Equals(actual, name, StringComparison.Ordinal))
            {
                return Broken("transcript/" + name, $"the transcript's content no longer matches its name (it was edited; referenced by {_at})");
            }
        }

        _previous = entry.Hash;
        _expected++;
        return null;
    }

    /// <summary>A failed verification at <paramref name="where"/>, with the rows counted so far.</summary>
    public LedgerVerification Broken(string where, string reason) => new(false, Rows, where, reason);

    /// <summary>The verification when every row held.</summary>
    public LedgerVerification Verified() => new(true, Rows, null, null);
}
