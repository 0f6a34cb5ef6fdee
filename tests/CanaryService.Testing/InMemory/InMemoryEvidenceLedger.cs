using System.Globalization;
using System.Runtime.CompilerServices;
using CanaryService.Core.Evidence;
using CanaryService.Core.Probing;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// The evidence ledger in memory, with the table's semantics: one hash chain per competitor linked by
/// <see cref="EvidenceChain"/>, drafts appended grouped by competitor in order of first appearance, rows read back
/// oldest first as the table reads them (times in UTC; a cluster's account list as stored, never null), and
/// <see cref="VerifyAsync"/> naming the first broken row or transcript with the table's reasons.
/// <see cref="Replace"/> and <see cref="Remove"/> alter rows behind the ledger's back, as tampering would. Thread-safe.
/// </summary>
public sealed class InMemoryEvidenceLedger : IEvidenceLedger
{
    private readonly ITranscriptStore _transcripts;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, SortedDictionary<long, EvidenceEntry>> _chains = new(StringComparer.Ordinal);

    /// <summary>Creates an empty ledger; <paramref name="transcripts"/> is used to verify referenced transcripts.</summary>
    public InMemoryEvidenceLedger(ITranscriptStore transcripts)
    {
        ArgumentNullException.ThrowIfNull(transcripts);
        _transcripts = transcripts;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<EvidenceEntry>> AppendAsync(IReadOnlyList<EvidenceDraft> drafts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        cancellationToken.ThrowIfCancellationRequested();
        var appended = new List<EvidenceEntry>(drafts.Count);
        lock (_gate)
        {
            foreach (IGrouping<string, EvidenceDraft> group in drafts.GroupBy(d => d.Competitor, StringComparer.Ordinal))
            {
                if (!_chains.TryGetValue(group.Key, out SortedDictionary<long, EvidenceEntry>? chain))
                {
                    chain = [];
                    _chains[group.Key] = chain;
                }

                (long sequence, string hash) = chain.Count == 0 ? (0L, EvidenceChain.GenesisHash) : (chain.Keys.Max(), chain[chain.Keys.Max()].Hash);
                foreach (EvidenceDraft draft in group)
                {
                    EvidenceEntry linked = EvidenceChain.Link(draft, ++sequence, hash);
                    EvidenceEntry stored = linked with { Draft = AsStored(draft) };
                    chain[sequence] = stored;
                    hash = stored.Hash;
                    appended.Add(stored);
                }
            }
        }

        return Task.FromResult<IReadOnlyList<EvidenceEntry>>(appended);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<EvidenceEntry> ReadAsync(string competitor, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(competitor);
        await Task.Yield();
        foreach (EvidenceEntry entry in Snapshot(competitor))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListCompetitorsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. _chains.Where(c => c.Value.Count > 0).Select(c => c.Key)]);
        }
    }

    /// <inheritdoc />
    public async Task<LedgerVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        var verifier = new EvidenceChainVerifier(_transcripts);
        foreach (string competitor in await ListCompetitorsAsync(cancellationToken).ConfigureAwait(false))
        {
            verifier.StartChain(competitor);
            foreach (EvidenceEntry entry in Snapshot(competitor))
            {
                cancellationToken.ThrowIfCancellationRequested();
                verifier.NextRow();
                if (await verifier.CheckAsync(entry, cancellationToken: cancellationToken).ConfigureAwait(false) is { } broken)
                {
                    return broken;
                }
            }
        }

        return verifier.Verified();
    }

    /// <summary>Overwrites the stored row at <paramref name="row"/>'s competitor and sequence with it as given, hash included.</summary>
    public void Replace(EvidenceEntry row)
    {
        ArgumentNullException.ThrowIfNull(row);
        lock (_gate)
        {
            if (!_chains.TryGetValue(row.Draft.Competitor, out SortedDictionary<long, EvidenceEntry>? chain))
            {
                chain = [];
                _chains[row.Draft.Competitor] = chain;
            }

            chain[row.Sequence] = row with { Draft = AsStored(row.Draft) };
        }
    }

    /// <summary>Deletes the stored row of <paramref name="competitor"/> at <paramref name="sequence"/>.</summary>
    public void Remove(string competitor, long sequence)
    {
        ArgumentNullException.ThrowIfNull(competitor);
        lock (_gate)
        {
            if (_chains.TryGetValue(competitor, out SortedDictionary<long, EvidenceEntry>? chain))
            {
                chain.Remove(sequence);
            }
        }
    }

    private EvidenceEntry[] Snapshot(string competitor)
    {
        lock (_gate)
        {
            return _chains.TryGetValue(competitor, out SortedDictionary<long, EvidenceEntry>? chain) ? [.. chain.Values] : [];
        }
    }

    // As the table reads a row back: the time in UTC, and a cluster's accounts as an array (none without a cluster).
    // Neither changes the row's hash.
    private static EvidenceDraft AsStored(EvidenceDraft draft) => draft with
    {
        RecordedAt = draft.RecordedAt.ToUniversalTime(),
        ClusterAccounts = draft.AttributedCluster is null ? null : [.. draft.ClusterAccounts ?? []],
    };
}
