using CanaryService.Core.Campaigns;
using CanaryService.Storage;
using CanaryService.Storage.PromptSamples;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// The prompt sample in memory, with the table's semantics: per account and window (aligned to the Unix epoch), the
/// <see cref="StorageOptions.PromptSamplesPerWindow"/> distinct prompts of smallest keyed priority; a prompt that is
/// empty, too long or for an account-less sample is refused; windows older than the retention are neither kept nor
/// read; a read of fewer than the sample holds is chosen by the draw. Windows, priorities and the draw's order are the
/// table's own (<see cref="PromptSampleKeys"/>), so both keep and choose the same prompts. Nothing is queued, so
/// <see cref="FlushAsync"/> has nothing to wait for. Thread-safe.
/// </summary>
public sealed class InMemoryPromptSampleLog : IPromptSampleLog, IDisposable
{
    private readonly StorageOptions _options;
    private readonly PromptSampleKeys _keys;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Account, DateTimeOffset WindowStart), SortedDictionary<ulong, string>> _windows = [];

    /// <summary>Creates an empty sample.</summary>
    /// <param name="options">The storage settings (the <c>PromptSample*</c> ones).</param>
    /// <param name="priorityKey">Keys the sample's priorities.</param>
    /// <param name="timeProvider">The clock (retention); the system clock when null.</param>
    public InMemoryPromptSampleLog(StorageOptions options, byte[] priorityKey, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(priorityKey);
        _options = options;
        _keys = new PromptSampleKeys(priorityKey, options.PromptSampleWindow);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public bool Record(PromptSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (_options.PromptSamplesPerWindow == 0 || string.IsNullOrWhiteSpace(sample.Prompt) || sample.Prompt.Length > _options.PromptSampleMaxPromptChars
            || string.IsNullOrEmpty(sample.AccountId))
        {
            return false;
        }

        DateTimeOffset start = _keys.WindowStart(sample.At);
        string window = PromptSampleKeys.Window(start);
        if (!IsRetained(window))
        {
            return true; // accepted, as the table's queue accepts it, but its window is already past the retention
        }

        ulong priority = _keys.Priority(sample.AccountId, window, sample.Prompt);
        lock (_gate)
        {
            if (!_windows.TryGetValue((sample.AccountId, start), out SortedDictionary<ulong, string>? kept))
            {
                _windows[(sample.AccountId, start)] = kept = [];
            }

            kept.TryAdd(priority, sample.Prompt);
            if (kept.Count > _options.PromptSamplesPerWindow)
            {
                kept.Remove(kept.Keys.Last());
            }
        }

        return true;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SampledPrompt>> ReadAsync(string accountId, int maxPrompts, ulong draw = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPrompts);
        cancellationToken.ThrowIfCancellationRequested();
        List<(DateTimeOffset WindowStart, ulong Priority, string Prompt)> rows;
        lock (_gate)
        {
            // In the table's row-key order: by window, then by priority.
            rows = [.. _windows
                .Where(w => string.Equals(w.Key.Account, accountId, StringComparison.Ordinal) && IsRetained(PromptSampleKeys.Window(w.Key.WindowStart)))
                .SelectMany(w => w.Value.Select(p => (w.Key.WindowStart, p.Key, p.Value)))
                .OrderBy(r => r.WindowStart).ThenBy(r => r.Key)];
        }

        IEnumerable<(DateTimeOffset WindowStart, ulong Priority, string Prompt)> chosen = rows.Count <= maxPrompts
            ? rows
            : rows.OrderBy(r => PromptSampleKeys.DrawOrder(r.Priority, draw)).Take(maxPrompts).OrderBy(r => r.WindowStart).ThenBy(r => r.Priority);
        return Task.FromResult<IReadOnlyList<SampledPrompt>>([.. chosen.Select(r => new SampledPrompt(accountId, r.WindowStart, r.Prompt))]);
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose() => _keys.Dispose();

    // The table's read starts at the row key of the retention's first minute, so a window is compared by its name.
    private bool IsRetained(string window) =>
        string.CompareOrdinal(window, PromptSampleKeys.Window(_time.GetUtcNow() - _options.PromptSampleRetention)) >= 0;
}
