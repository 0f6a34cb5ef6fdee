using System.Collections.Concurrent;
using System.Globalization;
using CanaryService.Core.Issuance;
using CanaryService.Storage;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// The stored-canary index in memory, with the table's semantics: an entry is found while its creation month is one the
/// retention reaches (<see cref="StorageOptions.StoredCanaryRetention"/>, by whole UTC months), and a response id
/// recorded again keeps its last entry, and an entry recorded but not yet written is found all the same. Recording
/// writes at once. <see cref="Fault"/> makes every other lookup fail as an outage would (recording, which never fails a
/// caller, then drops nothing: it is written once the fault clears).
/// </summary>
public sealed class InMemoryStoredCanaryIndex(StorageOptions? options = null, TimeProvider? timeProvider = null) : IStoredCanaryIndex
{
    private readonly ConcurrentDictionary<string, StoredCanary> _rows = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StoredCanary> _held = new();
    private readonly TimeSpan _retention = (options ?? new StorageOptions()).StoredCanaryRetention;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>When set, every lookup throws it and recorded entries wait (storage is down).</summary>
    public Exception? Fault { get; set; }

    /// <summary>The entries as stored.</summary>
    public IReadOnlyCollection<StoredCanary> Rows => [.. _rows.Values];

    /// <inheritdoc />
    public bool Record(StoredCanary canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        if (string.IsNullOrEmpty(canary.ResponseId))
        {
            return false;
        }

        _held.Enqueue(canary);
        WriteHeld();
        return true;
    }

    /// <inheritdoc />
    public Task<StoredCanary?> FindAsync(string responseId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(responseId);
        cancellationToken.ThrowIfCancellationRequested();
        if (_held.LastOrDefault(c => c.ResponseId == responseId) is { } held)
        {
            return Task.FromResult<StoredCanary?>(held);
        }

        if (Fault is { } fault)
        {
            throw fault;
        }

        WriteHeld();
        return Task.FromResult(_rows.TryGetValue(responseId, out StoredCanary? canary)
            && string.CompareOrdinal(Month(canary.CreatedAt), Month(_time.GetUtcNow() - _retention)) >= 0 ? canary : null);
    }

    /// <inheritdoc />
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (!_held.IsEmpty)
        {
            WriteHeld();
            await Task.Delay(10, cancellationToken);
        }
    }

    private void WriteHeld()
    {
        while (Fault is null && _held.TryDequeue(out StoredCanary? canary))
        {
            _rows[canary.ResponseId] = canary;
        }
    }

    private static string Month(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
