using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CanaryService.Core.Issuance;

namespace CanaryService.Core.Tests.Marking;

/// <summary>An in-process registry with the port's semantics (first write wins), to observe what the marker registers.</summary>
internal sealed class RecordingRegistry : ICanaryRegistry
{
    private readonly ConcurrentDictionary<(string, string), CanaryRecord> _rows = new();

    public int Writes;

    public bool Fail { get; set; }

    public IReadOnlyCollection<CanaryRecord> Rows => _rows.Values.ToList();

    public Task RegisterAsync(CanaryRecord record, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Writes);
        if (Fail)
        {
            throw new IOException("storage is down");
        }

        _rows.TryAdd((record.Epoch, record.Topic), record);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<CanaryRecord> ListAsync(string? epoch = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var row in _rows.Values.Where(r => epoch is null || r.Epoch == epoch))
        {
            yield return row;
        }
    }
}
