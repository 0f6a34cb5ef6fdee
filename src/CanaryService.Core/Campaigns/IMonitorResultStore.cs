
namespace CanaryService.Core.Campaigns;

/// <summary>The extraction monitor's latest results (table <c>Campaigns</c>).</summary>
public interface IMonitorResultStore
{
    /// <summary>
    /// Replaces the latest results with <paramref name="outcome"/> (flagged, clustered and notable accounts, and every
    /// cluster); returns the clusters flagged now that were never flagged before.
    /// </summary>
    Task<IReadOnlyList<AccountCluster>> SaveAsync(MonitorOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>The latest results, or null before the first run.</summary>
    Task<MonitorOutcome?> GetLatestAsync(CancellationToken cancellationToken = default);
}
