using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CanaryService.Core.Issuance;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// The canary registry in memory, with the table's semantics: the first registration of an (epoch, topic) wins and a
/// later one succeeds without changing it. Thread-safe. <see cref="Fault"/> makes every call fail as an outage would.
/// </summary>
public sealed class InMemoryCanaryRegistry : ICanaryRegistry
{
    private readonly ConcurrentDictionary<(string Epoch, string Topic), CanaryRecord> _rows = new();
    private int _writes;

    /// <summary>Registrations attempted, failed ones included.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>When set, every call throws it (storage is down).</summary>
    public Exception? Fault { get; set; }

    /// <summary>The rows as stored.</summary>
    public IReadOnlyCollection<CanaryRecord> Rows => [.. _rows.Values];

    /// <inheritdoc />
    public Task RegisterAsync(CanaryRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _writes);
        ThrowIfFaulted();
        // Copies, as storage would: a caller changing its lists later must not change the row.
        _rows.TryAdd((record.Epoch, record.Topic), record with
        {
            TopicWords = [.. record.TopicWords],
            Candidates = [.. record.Candidates],
            CreatedAt = record.CreatedAt.ToUniversalTime(),
        });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<CanaryRecord> ListAsync(string? epoch = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfFaulted();
        await Task.Yield();
        foreach (CanaryRecord row in _rows.Values
            .Where(r => epoch is null || string.Equals(r.Epoch, epoch, StringComparison.Ordinal))
            .OrderBy(r => r.Epoch, StringComparer.Ordinal).ThenBy(r => r.Topic, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
    }

    private void ThrowIfFaulted()
    {
        if (Fault is { } fault)
        {
            throw fault;
        }
    }
}
