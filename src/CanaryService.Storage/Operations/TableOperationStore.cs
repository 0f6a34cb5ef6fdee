using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using CanaryService.Core.Operations;
using CanaryService.Storage.Tables;

namespace CanaryService.Storage.Operations;

/// <summary>
/// The records of long operations in Azure Tables (table <c>Operations</c>, PK the escaped operation id, RK
/// <c>operation</c>): each operation is its own partition, so a poll is a point read.
/// </summary>
public sealed class TableOperationStore : IOperationStore
{
    /// <summary>Longest error message kept.</summary>
    public const int MaxErrorLength = 1000;

    private const string Row = "operation";
    private readonly TableClient _table;

    /// <summary>Creates the store over <paramref name="table"/>.</summary>
    public TableOperationStore(TableClient table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
    }

    /// <inheritdoc />
    public async Task SaveAsync(OperationRecord operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var entity = new TableEntity(TableKeys.Escape(operation.Id), Row)
        {
            ["Id"] = operation.Id,
            ["Kind"] = operation.Kind,
            ["Parameters"] = JsonSerializer.Serialize(operation.Parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StorageJsonContext.Default.DictionaryStringString),
            ["Status"] = operation.Status.ToString(),
            ["CreatedAt"] = operation.CreatedAt,
            ["StartedAt"] = operation.StartedAt,
            ["FinishedAt"] = operation.FinishedAt,
            ["Error"] = operation.Error is { Length: > MaxErrorLength } error ? error[..MaxErrorLength] : operation.Error,
        };
        if (operation.Result is not null)
        {
            LargeStringProperty.Set(entity, "Result", operation.Result);
        }

        await _table.WithTableAsync(ct => _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<OperationRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        NullableResponse<TableEntity> response;
        try
        {
            response = await _table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(id), Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (TableWrites.IsTableNotFound(ex))
        {
            return null;
        }

        if (!response.HasValue || response.Value is not { } entity)
        {
            return null;
        }

        return new OperationRecord(
            entity.GetString("Id") ?? id,
            entity.GetString("Kind") ?? "",
            Parameters(entity.GetString("Parameters")),
            Enum.TryParse(entity.GetString("Status"), out OperationStatus status) ? status : OperationStatus.Failed,
            entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            entity.GetDateTimeOffset("StartedAt"),
            entity.GetDateTimeOffset("FinishedAt"),
            LargeStringProperty.Get(entity, "Result"),
            entity.GetString("Error"));
    }

    private static Dictionary<string, string> Parameters(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize(json, StorageJsonContext.Default.DictionaryStringString) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
