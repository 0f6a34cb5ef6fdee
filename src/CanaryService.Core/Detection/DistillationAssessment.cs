using CanaryService.Core.Campaigns;
using CanaryService.Core.Evidence;
using CanaryService.Core.Statistics;

namespace CanaryService.Core.Detection;

/// <summary>
/// What a competitor's whole history shows: every test (family × key) with its p-value and e-value, Holm's
/// decision over all of them at α, and the account the evidence points to.
/// </summary>
/// <param name="Tests">Every test, global key first.</param>
/// <param name="Alpha">The family-wise error rate the verdicts control.</param>
/// <param name="AttributedAccount">The account whose own key's test is significant (the strongest, if several), or null.</param>
/// <param name="AttributedCluster">The cluster whose pooled test is significant (the strongest, if several), with its accounts, or null.</param>
public sealed record DistillationAssessment(IReadOnlyList<DetectionTestResult> Tests, double Alpha, string? AttributedAccount, AccountCluster? AttributedCluster = null)
{
    /// <summary><see cref="DetectionVerdicts.Distilled"/> when any test is significant.</summary>
    public string Verdict => Tests.Any(t => t.Significant) ? DetectionVerdicts.Distilled : DetectionVerdicts.NotDetected;

    /// <summary>Decides the tests: Holm at <paramref name="alpha"/> over <c>min(1, 1/E)</c>, then attribution.</summary>
    /// <param name="tests">The tests with <see cref="DetectionTestResult.Significant"/> not yet decided.</param>
    /// <param name="alpha">The family-wise error rate.</param>
    /// <param name="clusters">The clusters tested (to name the attributed one's accounts).</param>
    public static DistillationAssessment Decide(IReadOnlyList<DetectionTestResult> tests, double alpha, IReadOnlyList<AccountCluster>? clusters = null)
    {
        ArgumentNullException.ThrowIfNull(tests);
        bool[] rejected = HolmCorrection.Reject(tests.Select(t => EValue.ToPValue(t.EValue)).ToArray(), alpha);
        var decided = tests.Select((t, i) => t with { Significant = rejected[i] }).ToArray();

        // Holm over all candidate accounts' tests already pays for their number (m grows with each account).
        string? attributed = decided
            .Where(t => t.Significant && t.AccountId is not null)
            .OrderByDescending(t => t.EValue)
            .ThenBy(t => t.PValue.PValue)
            .Select(t => t.AccountId)
            .FirstOrDefault();
        string? cluster = decided
            .Where(t => t.Significant && t.ClusterId is not null)
            .OrderByDescending(t => t.EValue)
            .ThenBy(t => t.PValue.PValue)
            .Select(t => t.ClusterId)
            .FirstOrDefault();
        return new DistillationAssessment(decided, alpha, attributed, cluster is null ? null : clusters?.FirstOrDefault(c => c.Cluster == cluster));
    }

    /// <summary>One evidence draft per test, ready for <see cref="IEvidenceLedger.AppendAsync"/>.</summary>
    public IReadOnlyList<EvidenceDraft> ToEvidenceDrafts(string competitor, string runId, string? transcriptName, DateTimeOffset recordedAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(competitor);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return Tests
            .Select(t => new EvidenceDraft(
                competitor, runId, t.Family, t.KeyId, t.N, t.Matches, t.PValue.PValue, t.EValue, t.Verdict,
                AttributedAccount, transcriptName, recordedAt, AttributedCluster?.Cluster, AttributedCluster?.Accounts))
            .ToArray();
    }
}
