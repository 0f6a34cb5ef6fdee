namespace CanaryService.Core.Evidence;

/// <summary>What a probe run concluded for one family and key, before it is chained into the ledger.</summary>
/// <param name="Competitor">The competitor.</param>
/// <param name="RunId">The probe run.</param>
/// <param name="Family"><c>lexical</c> or <c>phrase</c>.</param>
/// <param name="KeyId"><c>global</c>, or <c>account:{id}</c> for an attribution test.</param>
/// <param name="N">Scored units, cumulative over the competitor's history (contexts, or topics).</param>
/// <param name="Matches">Matches among them.</param>
/// <param name="PValue">The exact (or conservative) p-value over the whole history.</param>
/// <param name="EValue">The anytime-valid e-value over the whole history.</param>
/// <param name="Verdict"><c>distilled</c> or <c>not-detected</c>, after multiple-testing correction.</param>
/// <param name="AttributedAccount">The account the evidence points to, if any.</param>
/// <param name="TranscriptName">The transcript blob this run scored (SHA-256 name).</param>
/// <param name="RecordedAt">When the row was appended.</param>
/// <param name="AttributedCluster">The cluster of accounts the evidence points to, if any.</param>
/// <param name="ClusterAccounts">That cluster's accounts when it was tested.</param>
public sealed record EvidenceDraft(
    string Competitor,
    string RunId,
    string Family,
    string KeyId,
    long N,
    long Matches,
    double PValue,
    double EValue,
    string Verdict,
    string? AttributedAccount,
    string? TranscriptName,
    DateTimeOffset RecordedAt,
    string? AttributedCluster = null,
    IReadOnlyList<string>? ClusterAccounts = null);

/// <summary>An evidence row as chained in the ledger (table <c>Evidence</c>, PK competitor, RK sequence).</summary>
/// <param name="Draft">The content.</param>
/// <param name="Sequence">Position in the competitor's chain, from 1.</param>
/// <param name="PrevHash">The previous row's hash (64 zeros for the first row).</param>
/// <param name="Hash">SHA-256 over the canonical content, the sequence and <paramref name="PrevHash"/> (see <c>EvidenceChain</c>).</param>
public sealed record EvidenceEntry(EvidenceDraft Draft, long Sequence, string PrevHash, string Hash);

/// <summary>The result of walking the ledger.</summary>
/// <param name="IsValid">True when every row's hash and link holds and every transcript matches its name.</param>
/// <param name="RowsChecked">Rows walked.</param>
/// <param name="FirstBroken">The first broken row (<c>competitor/sequence</c>) or transcript (<c>transcript/{name}</c>), if any.</param>
/// <param name="Reason">Why it is broken.</param>
public sealed record LedgerVerification(bool IsValid, long RowsChecked, string? FirstBroken, string? Reason);

/// <summary>The hash-chained, append-only evidence ledger.</summary>
public interface IEvidenceLedger
{
    /// <summary>Appends drafts to their competitors' chains, in order, and returns the chained rows.</summary>
    Task<IReadOnlyList<EvidenceEntry>> AppendAsync(IReadOnlyList<EvidenceDraft> drafts, CancellationToken cancellationToken = default);

    /// <summary>A competitor's chain, oldest first.</summary>
    IAsyncEnumerable<EvidenceEntry> ReadAsync(string competitor, CancellationToken cancellationToken = default);

    /// <summary>Every competitor with at least one row.</summary>
    Task<IReadOnlyList<string>> ListCompetitorsAsync(CancellationToken cancellationToken = default);

    /// <summary>Walks every chain (and checks each referenced transcript's content hash) and names the first broken row.</summary>
    Task<LedgerVerification> VerifyAsync(CancellationToken cancellationToken = default);
}
