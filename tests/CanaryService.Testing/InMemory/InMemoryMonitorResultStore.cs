using CanaryService.Core.Campaigns;
using CanaryService.Storage.Campaigns;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// The extraction monitor's results in memory, with the table's semantics: the latest save is the latest run; it
/// keeps only the accounts that are flagged, clustered or have reasons; a cluster keeps at most
/// <see cref="TableMonitorResultStore.MaxStoredClusterAccounts"/> account ids; a cluster is announced only the first
/// time it is ever flagged (its record outlives the runs that name it); results read back with accounts by score
/// and clusters flagged first, then by requests. Thread-safe.
/// </summary>
public sealed class InMemoryMonitorResultStore : IMonitorResultStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Run, AccountAssessment Account)> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Run, AccountCluster Cluster, DateTimeOffset? FirstFlaggedAt)> _clusters = new(StringComparer.Ordinal);
    private (long Run, DateTimeOffset At)? _latest;

    /// <inheritdoc />
    public Task<IReadOnlyList<AccountCluster>> SaveAsync(MonitorOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        cancellationToken.ThrowIfCancellationRequested();
        long run = outcome.At.UtcTicks; // the table's run key is these ticks, inverted
        List<AccountCluster> firstFlagged = [];
        lock (_gate)
        {
            foreach (AccountCluster cluster in outcome.Clusters)
            {
                DateTimeOffset? flaggedAt = _clusters.TryGetValue(cluster.Cluster, out var known) ? known.FirstFlaggedAt : null;
                if (cluster.Flagged && flaggedAt is null)
                {
                    flaggedAt = outcome.At;
                    firstFlagged.Add(cluster);
                }

                AccountCluster stored = cluster with
                {
                    Accounts = [.. cluster.Accounts.Take(TableMonitorResultStore.MaxStoredClusterAccounts)],
                    Signals = [.. cluster.Signals],
                };
                _clusters[cluster.Cluster] = (run, stored, flaggedAt);
            }

            foreach (AccountAssessment account in outcome.Accounts.Where(a => a.Flagged || a.Cluster is not null || a.Reasons.Count > 0))
            {
                _accounts[account.Account] = (run, account with { Reasons = [.. account.Reasons] });
            }

            _latest = (run, outcome.At.ToUniversalTime());
            foreach (string stale in _accounts.Where(a => a.Value.Run != run).Select(a => a.Key).ToArray())
            {
                _accounts.Remove(stale);
            }
        }

        return Task.FromResult<IReadOnlyList<AccountCluster>>(firstFlagged);
    }

    /// <inheritdoc />
    public Task<MonitorOutcome?> GetLatestAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_latest is not { } latest)
            {
                return Task.FromResult<MonitorOutcome?>(null);
            }

            return Task.FromResult<MonitorOutcome?>(new MonitorOutcome(
                latest.At,
                [.. _accounts.Values.Where(a => a.Run == latest.Run).Select(a => a.Account)
                    .OrderByDescending(a => a.Score).ThenBy(a => a.Account, StringComparer.Ordinal)],
                [.. _clusters.Values.Where(c => c.Run == latest.Run).Select(c => c.Cluster)
                    .OrderByDescending(c => c.Flagged).ThenByDescending(c => c.Requests).ThenBy(c => c.Cluster, StringComparer.Ordinal)]));
        }
    }
}
