using CanaryService.Core.Detection;
using CanaryService.Core.Probing;

namespace CanaryService.Application.Evidence;

/// <summary>The verdict words of the evidence API: the detector's two (<see cref="DetectionVerdicts"/>, the one source), and one for no evidence yet.</summary>
public static class EvidenceVerdicts
{
    /// <summary>The evidence crossed the threshold after multiple-testing correction.</summary>
    public const string Distilled = DetectionVerdicts.Distilled;

    /// <summary>Evidence exists but does not cross the threshold.</summary>
    public const string NotDetected = DetectionVerdicts.NotDetected;

    /// <summary>No evidence row yet.</summary>
    public const string NoEvidence = "no-evidence";
}

/// <summary>A competitor with its current verdict (<c>GET /api/competitors</c>).</summary>
/// <param name="Name">The competitor.</param>
/// <param name="Verdict"><c>distilled</c> when any family or key says so in its latest row, else <c>not-detected</c>, or <c>no-evidence</c>.</param>
/// <param name="AttributedAccount">The account the strongest "distilled" evidence points to, if any.</param>
/// <param name="EvidenceRows">Rows in its ledger chain.</param>
/// <param name="LastEvidenceAt">When its last row was recorded.</param>
/// <param name="Configured">Whether it is still configured for probing.</param>
public sealed record CompetitorSummary(string Name, string Verdict, string? AttributedAccount, long EvidenceRows, DateTimeOffset? LastEvidenceAt, bool Configured);

/// <summary>One point of a family and key's evidence over time.</summary>
public sealed record EvidencePoint(long Sequence, string RunId, DateTimeOffset RecordedAt, long N, long Matches, double PValue, double EValue, string Verdict, string? AttributedAccount, string? TranscriptName);

/// <summary>A family and key's cumulative evidence: its latest values and its timeline.</summary>
public sealed record EvidenceSeries(
    string Family,
    string KeyId,
    long N,
    long Matches,
    double PValue,
    double EValue,
    string Verdict,
    string? AttributedAccount,
    IReadOnlyList<EvidencePoint> Timeline);

/// <summary>The cluster of accounts a competitor's evidence points to, with the accounts it held when tested.</summary>
public sealed record ClusterAttribution(string Cluster, IReadOnlyList<string> Accounts);

/// <summary>A competitor's evidence (<c>GET /api/competitors/{name}/evidence</c>).</summary>
/// <param name="Competitor">The competitor.</param>
/// <param name="Verdict">Its current verdict.</param>
/// <param name="AttributedAccount">The account the strongest "distilled" evidence points to, if any.</param>
/// <param name="Alpha">The family-wise error rate of the verdicts.</param>
/// <param name="Series">Each family and key's evidence.</param>
/// <param name="LastRun">Its last probe run.</param>
/// <param name="AttributedCluster">The cluster whose pooled test is significant in the latest run, with its accounts, if any.</param>
public sealed record CompetitorEvidence(
    string Competitor,
    string Verdict,
    string? AttributedAccount,
    double Alpha,
    IReadOnlyList<EvidenceSeries> Series,
    ProbeRunRecord? LastRun,
    ClusterAttribution? AttributedCluster = null);
