using Azure;
using Azure.Data.Tables;
using CanaryService.Storage.Tables;

namespace CanaryService.Storage.Issuance;

/// <summary>
/// Applies an <see cref="IssuanceBatch"/> to the issuance table exactly once, even when a previous attempt's
/// outcome is unknown (time-out, connection reset, storage killed mid-request) and even when several instances
/// write the same rows.
/// </summary>
/// <remarks>
/// Each attempt reads the batch's rows, and stops if any of them already carries the batch id (the
/// transaction is atomic, so then all of them got it). Otherwise it writes the summed rows in one entity group
/// transaction, conditioned on the ETags it read (new rows are inserts): a concurrent change makes the
/// transaction fail as a whole with 409/412, and the attempt starts over from a fresh read. Each row keeps the
/// ids of its last <see cref="RememberedBatches"/> batches.
/// </remarks>
internal sealed class IssuanceBatchWriter(TableClient table)
{
    /// <summary>How many recent batch ids a row remembers (how many other writers may touch it before a retry re-reads it).</summary>
    public const int RememberedBatches = 32;

    private const int MaxConflictsPerAttempt = 50;

    public const string AppliedBatchesProperty = "AppliedBatches";

    /// <summary>Applies <paramref name="batch"/>; returns false when an earlier attempt had already applied it.</summary>
    public async Task<bool> ApplyAsync(IssuanceBatch batch, CancellationToken cancellationToken)
    {
        for (int conflicts = 0; ; conflicts++)
        {
            Dictionary<string, TableEntity> current = await ReadRowsAsync(batch, cancellationToken).ConfigureAwait(false);
            foreach (IssuanceRowDelta row in batch.Rows)
            {
                if (current.TryGetValue(row.RowKey, out TableEntity? existing) && Remembers(existing, batch.Id))
                {
                    return false;
                }
            }

            var actions = new List<TableTransactionAction>(batch.Rows.Count);
            foreach (IssuanceRowDelta row in batch.Rows)
            {
                current.TryGetValue(row.RowKey, out TableEntity? existing);
                TableEntity updated = Sum(batch, row, existing);
                actions.Add(existing is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, updated)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, updated, existing.ETag));
            }

            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (TableWrites.IsConflict(ex) && conflicts < MaxConflictsPerAttempt)
            {
                // Someone else (or our own earlier, unacknowledged attempt) changed a row: read again.
            }
        }
    }

    private async Task<Dictionary<string, TableEntity>> ReadRowsAsync(IssuanceBatch batch, CancellationToken cancellationToken)
    {
        // One range query per batch (a filter may not list 100 keys); rows are sorted, so the range is tight.
        string first = batch.Rows[0].RowKey;
        string last = batch.Rows[^1].RowKey;
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {batch.PartitionKey} and RowKey ge {first} and RowKey le {last}");
        var wanted = new HashSet<string>(batch.Rows.Select(r => r.RowKey), StringComparer.Ordinal);
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (TableEntity entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (wanted.Contains(entity.RowKey))
            {
                rows[entity.RowKey] = entity;
            }
        }

        return rows;
    }

    private static bool Remembers(TableEntity entity, string batchId) =>
        entity.GetString(AppliedBatchesProperty) is { } ids && ids.Split(' ').Contains(batchId, StringComparer.Ordinal);

    private static TableEntity Sum(IssuanceBatch batch, IssuanceRowDelta row, TableEntity? existing)
    {
        var entity = new TableEntity(batch.PartitionKey, row.RowKey)
        {
            ["Account"] = row.Account,
            ["Day"] = row.Day,
            ["Responses"] = (existing?.GetInt64("Responses") ?? 0) + row.Responses,
        };
        if (row.Epoch is null)
        {
            entity["MarkedChoices"] = (existing?.GetInt64("MarkedChoices") ?? 0) + row.MarkedChoices;
            entity["Canaries"] = (existing?.GetInt64("Canaries") ?? 0) + row.Canaries;
        }
        else
        {
            entity["Epoch"] = row.Epoch;
            entity["Topic"] = row.Topic;
        }

        IEnumerable<string> previous = existing?.GetString(AppliedBatchesProperty)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        entity[AppliedBatchesProperty] = string.Join(' ', previous.Prepend(batch.Id).Take(RememberedBatches));
        return entity;
    }
}
