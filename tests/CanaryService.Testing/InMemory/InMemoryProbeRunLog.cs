using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CanaryService.Core.Probing;
using CanaryService.Storage.ProbeRuns;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// The probe-run log in memory, with the table's semantics: one row per (competitor, start, run id), recording it
/// again replaces it, a competitor's runs list newest first, and errors are kept as the table keeps them (at most
/// <see cref="TableProbeRunLog.MaxErrors"/>, each cut to <see cref="TableProbeRunLog.MaxErrorLength"/> characters). Thread-safe.
/// </summary>
public sealed class InMemoryProbeRunLog : IProbeRunLog
{
    private readonly ConcurrentDictionary<(string Competitor, long StartedTicks, string RunId), ProbeRunRecord> _rows = new();

    /// <inheritdoc />
    public Task AddAsync(ProbeRunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        cancellationToken.ThrowIfCancellationRequested();
        string[] errors = [.. run.Errors.Take(TableProbeRunLog.MaxErrors).Select(e => e.Length <= TableProbeRunLog.MaxErrorLength ? e : e[..TableProbeRunLog.MaxErrorLength])];
        ProbeRunRecord stored = run with { StartedAt = run.StartedAt.ToUniversalTime(), CompletedAt = run.CompletedAt.ToUniversalTime(), Errors = errors };
        _rows[(run.Competitor, run.StartedAt.UtcTicks, run.RunId)] = stored;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ProbeRunRecord> ListAsync(string competitor, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(competitor);
        await Task.Yield();
        foreach (var row in _rows
            .Where(r => string.Equals(r.Key.Competitor, competitor, StringComparison.Ordinal))
            .OrderByDescending(r => r.Key.StartedTicks).ThenBy(r => r.Key.RunId, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row.Value;
        }
    }
}
