using System.Text.Json;
using CanaryService.Application.Evidence;
using CanaryService.Application.Probing;
using CanaryService.Core.Campaigns;

namespace CanaryService.Application.Operations;

/// <summary>
/// The small JSON summaries an operation's record carries: enough for a client to act on (run id, per-competitor
/// outcome, verdict changes, flagged counts); the full detail stays in the probe-run log and the monitor's tables.
/// </summary>
internal static class OperationSummaries
{
    /// <summary>At most this many error messages per competitor (the run log keeps them all).</summary>
    public const int MaxErrors = 5;

    /// <summary>Longest error message in a summary.</summary>
    public const int MaxErrorLength = 200;

    /// <summary><c>{runId, startedAt, completedAt, competitors:[{competitor, status, requests, answers, failures, evidenceRows, verdictChanges, errors}]}</c>.</summary>
    public static string Of(ProbeRunReport report) => JsonSerializer.Serialize(new
    {
        runId = report.RunId,
        startedAt = report.StartedAt,
        completedAt = report.CompletedAt,
        competitors = report.Competitors.Select(c => new
        {
            competitor = c.Run.Competitor,
            status = c.Run.Status,
            requests = c.Run.Requests,
            answers = c.Run.Answers,
            failures = c.Run.Failures,
            evidenceRows = c.EvidenceRows,
            verdictChanges = c.VerdictChanges.Count,
            errors = c.Run.Errors.Take(MaxErrors).Select(e => e.Length <= MaxErrorLength ? e : e[..MaxErrorLength] + "…"),
        }),
    }, EvidenceHandlers.Json);

    /// <summary><c>{at, accounts, flagged, clusters, flaggedClusters}</c>.</summary>
    public static string Of(MonitorOutcome outcome) => JsonSerializer.Serialize(new
    {
        at = outcome.At,
        accounts = outcome.Accounts.Count,
        flagged = outcome.Flagged.Count(),
        clusters = outcome.Clusters.Count,
        flaggedClusters = outcome.Clusters.Count(c => c.Flagged),
    }, EvidenceHandlers.Json);
}
