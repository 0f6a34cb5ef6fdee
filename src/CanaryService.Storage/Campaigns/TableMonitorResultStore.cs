using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.Storage.Tables;

namespace CanaryService.Storage.Campaigns;

/// <summary>
/// The extraction monitor's latest results in Azure Tables (table <c>Campaigns</c>): PK <c>run</c> RK <c>latest</c>
/// names the run; PK <c>account</c> and PK <c>cluster</c> hold a row per account and cluster, each with the run that
/// wrote it, so a reader takes only the latest run's rows. Cluster rows stay (with the time they were first
/// flagged), so a cluster is announced once; account rows of earlier runs are deleted after a save.
/// </summary>
public sealed class TableMonitorResultStore : IMonitorResultStore
{
    private const string RunPartition = "run";
    private const string AccountPartition = "account";
    private const string ClusterPartition = "cluster";
    private const string LatestRow = "latest";

    /// <summary>The most account ids a cluster row lists (about 400 KiB); <c>AccountCount</c> keeps the full count.</summary>
    public const int MaxStoredClusterAccounts = 10_000;
    private readonly TableClient _table;

    /// <summary>Creates the store over <paramref name="table"/>.</summary>
    public TableMonitorResultStore(TableClient table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
    }

    /// <inheritdoc />
    /// <remarks>Keeps the accounts that are flagged, in a cluster, or scored at all above zero; the rest are unremarkable.</remarks>
    public async Task<IReadOnlyList<AccountCluster>> SaveAsync(MonitorOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        string run = TableKeys.InvertedTime(outcome.At);
        return await _table.WithTableAsync(async ct =>
        {
            Dictionary<string, TableEntity> clusters = new(StringComparer.Ordinal);
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ClusterPartition}"), cancellationToken: ct).ConfigureAwait(false))
            {
                clusters[row.RowKey] = row;
            }

            List<AccountCluster> firstFlagged = [];
            List<TableEntity> clusterRows = [];
            foreach (AccountCluster cluster in outcome.Clusters)
            {
                DateTimeOffset? flaggedAt = clusters.TryGetValue(cluster.Cluster, out TableEntity? known) ? known.GetDateTimeOffset("FirstFlaggedAt") : null;
                if (cluster.Flagged && flaggedAt is null)
                {
                    flaggedAt = outcome.At;
                    firstFlagged.Add(cluster);
                }

                var row = new TableEntity(ClusterPartition, cluster.Cluster)
                {
                    ["Run"] = run,
                    ["Flagged"] = cluster.Flagged,
                    ["Signals"] = Json(cluster.Signals),
                    ["Requests"] = cluster.Requests,
                    ["FirstFlaggedAt"] = flaggedAt,
                };

                // A large campaign's account list outgrows one property: it is split over several, up to the row's size.
                LargeStringProperty.Set(row, "Accounts", Json([.. cluster.Accounts.Take(MaxStoredClusterAccounts)]));
                row["AccountCount"] = cluster.Accounts.Count;
                clusterRows.Add(row);
            }

            List<TableTransactionAction> accountRows = [];
            foreach (AccountAssessment account in outcome.Accounts.Where(a => a.Flagged || a.Cluster is not null || a.Reasons.Count > 0))
            {
                accountRows.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(AccountPartition, TableKeys.Escape(account.Account))
                {
                    ["Run"] = run,
                    ["Account"] = account.Account,
                    ["Flagged"] = account.Flagged,
                    ["Score"] = account.Score,
                    ["Cluster"] = account.Cluster,
                    ["Reasons"] = Json(account.Reasons),
                    ["Requests"] = account.Requests,
                }));
            }

            foreach (TableEntity row in clusterRows)
            {
                await _table.UpsertEntityAsync(row, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            }

            foreach (TableTransactionAction[] chunk in accountRows.Chunk(100))
            {
                await _table.SubmitTransactionAsync(chunk, ct).ConfigureAwait(false);
            }

            await _table.UpsertEntityAsync(new TableEntity(RunPartition, LatestRow) { ["Run"] = run, ["At"] = outcome.At }, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            await DeleteStaleAccountsAsync(run, ct).ConfigureAwait(false);
            return (IReadOnlyList<AccountCluster>)firstFlagged;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<MonitorOutcome?> GetLatestAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            NullableResponse<TableEntity> latest = await _table.GetEntityIfExistsAsync<TableEntity>(RunPartition, LatestRow, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!latest.HasValue || latest.Value is not { } runRow || runRow.GetString("Run") is not { } run)
            {
                return null;
            }

            List<AccountAssessment> accounts = [];
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {AccountPartition} and Run eq {run}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                accounts.Add(new AccountAssessment(row.GetString("Account") ?? row.RowKey, row.GetBoolean("Flagged") ?? false, row.GetDouble("Score") ?? 0,
                    row.GetString("Cluster"), List(row.GetString("Reasons")), row.GetInt64("Requests") ?? 0));
            }

            List<AccountCluster> clusters = [];
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ClusterPartition} and Run eq {run}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                clusters.Add(new AccountCluster(row.RowKey, List(LargeStringProperty.Get(row, "Accounts")), row.GetBoolean("Flagged") ?? false, List(row.GetString("Signals")), row.GetInt64("Requests") ?? 0));
            }

            return new MonitorOutcome(runRow.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue,
                [.. accounts.OrderByDescending(a => a.Score).ThenBy(a => a.Account, StringComparer.Ordinal)],
                [.. clusters.OrderByDescending(c => c.Flagged).ThenByDescending(c => c.Requests).ThenBy(c => c.Cluster, StringComparer.Ordinal)]);
        }
        catch (RequestFailedException ex) when (TableWrites.IsTableNotFound(ex))
        {
            return null;
        }
    }

    private async Task DeleteStaleAccountsAsync(string run, CancellationToken cancellationToken)
    {
        List<TableEntity> stale = [];
        await foreach (TableEntity row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {AccountPartition} and Run ne {run}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            stale.Add(row);
        }

        foreach (TableEntity[] chunk in stale.Chunk(100))
        {
            await _table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Json(IReadOnlyList<string> values) => JsonSerializer.Serialize(values.ToArray(), StorageJsonContext.Default.StringArray);

    private static string[] List(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize(json, StorageJsonContext.Default.StringArray) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
