using System.Collections.Concurrent;
using CanaryService.Core.Operations;
using CanaryService.Storage.Operations;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// The operation records in memory, with the table's semantics: saving replaces the record of the same id, an unknown
/// id reads as null, and an error is cut to <see cref="TableOperationStore.MaxErrorLength"/> characters. Thread-safe.
/// </summary>
public sealed class InMemoryOperationStore : IOperationStore
{
    private readonly ConcurrentDictionary<string, OperationRecord> _records = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task SaveAsync(OperationRecord operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        cancellationToken.ThrowIfCancellationRequested();
        _records[operation.Id] = operation with
        {
            Parameters = operation.Parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            CreatedAt = operation.CreatedAt.ToUniversalTime(),
            StartedAt = operation.StartedAt?.ToUniversalTime(),
            FinishedAt = operation.FinishedAt?.ToUniversalTime(),
            Error = operation.Error is { Length: > TableOperationStore.MaxErrorLength } error ? error[..TableOperationStore.MaxErrorLength] : operation.Error,
        };
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<OperationRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_records.TryGetValue(id, out OperationRecord? record) ? record : null);
    }
}
