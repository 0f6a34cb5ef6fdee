using System.Collections.Concurrent;
using CanaryService.Core.Lineage;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// Lineage sampling positions in memory, with the blob store's semantics: a model never set is at 0, a write replaces
/// the model's position, every model name (slashes and all) is its own entry, and a negative position or an empty
/// name is refused. Thread-safe.
/// </summary>
public sealed class InMemoryLineageSamplingPositions : ILineageSamplingPositions
{
    private readonly ConcurrentDictionary<string, long> _positions = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<long> GetAsync(string model, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_positions.GetValueOrDefault(model));
    }

    /// <inheritdoc />
    public Task SetAsync(string model, long position, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        cancellationToken.ThrowIfCancellationRequested();
        _positions[model] = position;
        return Task.CompletedTask;
    }
}
