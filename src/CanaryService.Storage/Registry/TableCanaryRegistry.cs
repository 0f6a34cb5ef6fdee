using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using CanaryService.Core.Issuance;
using CanaryService.Storage.Tables;

namespace CanaryService.Storage.Registry;

/// <summary>
/// The canary registry in Azure Tables (table <c>CanaryRegistry</c>, PK escaped epoch, RK escaped topic).
/// Candidates and topic words are stored as JSON strings (split across properties if one would pass 64 KiB).
/// </summary>
public sealed class TableCanaryRegistry : ICanaryRegistry
{
    private readonly TableClient _table;
    private readonly TimeSpan _writeTimeout;

    /// <summary>Creates the registry over <paramref name="table"/>.</summary>
    /// <param name="table">The registry table.</param>
    /// <param name="writeTimeout">Longest wait for a registration (it sits on the request path); infinite when null.</param>
    public TableCanaryRegistry(TableClient table, TimeSpan? writeTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
        _writeTimeout = writeTimeout ?? Timeout.InfiniteTimeSpan;
    }

    /// <inheritdoc />
    /// <remarks>Insert-if-absent: when the row exists (another instance registered it first) it is kept and this succeeds.</remarks>
    /// <exception cref="TimeoutException">Storage did not answer within the write timeout.</exception>
    public async Task RegisterAsync(CanaryRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        TableEntity entity = ToEntity(record);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_writeTimeout);
        try
        {
            await _table.WithTableAsync(async ct =>
            {
                try
                {
                    await _table.AddEntityAsync(entity, ct).ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    // Already registered: the first row wins, so every instance emits the same canary.
                }

                return true;
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The canary registry did not answer within {_writeTimeout}.");
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<CanaryRecord> ListAsync(string? epoch = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? filter = epoch is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(epoch)}");
        await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return FromEntity(entity);
        }
    }

    private static TableEntity ToEntity(CanaryRecord record)
    {
        var entity = new TableEntity(TableKeys.Escape(record.Epoch), TableKeys.Escape(record.Topic))
        {
            ["Epoch"] = record.Epoch,
            ["Topic"] = record.Topic,
            ["Commitment"] = record.Commitment,
            ["CreatedAt"] = record.CreatedAt,
            ["CandidateCount"] = record.Candidates.Count,
        };
        LargeStringProperty.Set(entity, "TopicWords", JsonSerializer.Serialize([.. record.TopicWords], StorageJsonContext.Default.StringArray));
        LargeStringProperty.Set(entity, "Candidates", JsonSerializer.Serialize([.. record.Candidates], StorageJsonContext.Default.StringArray));
        return entity;
    }

    private static CanaryRecord FromEntity(TableEntity entity) => new(
        entity.GetString("Epoch") ?? entity.PartitionKey,
        entity.GetString("Topic") ?? entity.RowKey,
        ReadList(entity, "TopicWords"),
        ReadList(entity, "Candidates"),
        entity.GetString("Commitment") ?? "",
        entity.GetDateTimeOffset("CreatedAt") ?? entity.Timestamp ?? DateTimeOffset.MinValue);

    private static string[] ReadList(TableEntity entity, string name) =>
        LargeStringProperty.Get(entity, name) is { } json ? JsonSerializer.Deserialize(json, StorageJsonContext.Default.StringArray) ?? [] : [];
}
