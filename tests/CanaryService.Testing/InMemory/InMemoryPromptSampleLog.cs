using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CanaryService.Core.Campaigns;
using CanaryService.Storage;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// The prompt sample in memory, with the table's semantics: per account and window (aligned to the Unix epoch), the
/// <see cref="StorageOptions.PromptSamplesPerWindow"/> distinct prompts of smallest keyed priority; a prompt that is
/// empty, too long or for an account-less sample is refused; windows older than the retention are neither kept nor
/// read; a read of fewer than the sample holds is chosen by the draw exactly as the table chooses. Nothing is queued,
/// so <see cref="FlushAsync"/> has nothing to wait for. Thread-safe.
/// </summary>
/// <remarks>
/// The priority and the draw repeat the table's (HMAC-SHA-256 of <c>{account}\0{window}\0{prompt}</c>, first 8 bytes
/// big-endian; SplitMix64's finaliser): the table's key type is internal to the storage assembly, which this one
/// cannot see. The shared contract test holds this copy to the table's function.
/// </remarks>
public sealed class InMemoryPromptSampleLog : IPromptSampleLog
{
    private const string WindowFormat = "yyyy-MM-dd'T'HHmm";

    private readonly StorageOptions _options;
    private readonly byte[] _priorityKey;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Account, string Window), SortedDictionary<ulong, string>> _windows = [];

    /// <summary>Creates an empty sample.</summary>
    /// <param name="options">The storage settings (the <c>PromptSample*</c> ones).</param>
    /// <param name="priorityKey">Keys the sample's priorities.</param>
    /// <param name="timeProvider">The clock (retention); the system clock when null.</param>
    public InMemoryPromptSampleLog(StorageOptions options, byte[] priorityKey, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(priorityKey);
        _options = options;
        _priorityKey = [.. priorityKey];
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

        string window = Window(WindowStart(sample.At));
        if (string.CompareOrdinal(window, Window(RetainedSince())) < 0)
        {
            return true; // accepted, as the table's queue accepts it, but its window is already past the retention
        }

        ulong priority = Priority(sample.AccountId, window, sample.Prompt);
        lock (_gate)
        {
            if (!_windows.TryGetValue((sample.AccountId, window), out SortedDictionary<ulong, string>? kept))
            {
                _windows[(sample.AccountId, window)] = kept = [];
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
        string first = Window(RetainedSince());
        List<(string Window, ulong Priority, string Prompt)> rows;
        lock (_gate)
        {
            rows = [.. _windows
                .Where(w => string.Equals(w.Key.Account, accountId, StringComparison.Ordinal) && string.CompareOrdinal(w.Key.Window, first) >= 0)
                .SelectMany(w => w.Value.Select(p => (w.Key.Window, p.Key, p.Value)))
                .OrderBy(r => r.Window, StringComparer.Ordinal).ThenBy(r => r.Key)];
        }

        IEnumerable<(string Window, ulong Priority, string Prompt)> chosen = rows.Count <= maxPrompts
            ? rows
            : rows.OrderBy(r => Mix(r.Priority ^ draw)).Take(maxPrompts).OrderBy(r => r.Window, StringComparer.Ordinal).ThenBy(r => r.Priority);
        return Task.FromResult<IReadOnlyList<SampledPrompt>>([.. chosen.Select(r => new SampledPrompt(accountId, ParseWindow(r.Window), r.Prompt))]);
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <summary>The prompt's keyed priority in its account's window, as the table computes it.</summary>
    public ulong Priority(string accountId, string window, string prompt)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(prompt);
        byte[] mac = HMACSHA256.HashData(_priorityKey, Encoding.UTF8.GetBytes($"{accountId}\0{window}\0{prompt}"));
        return BinaryPrimitives.ReadUInt64BigEndian(mac);
    }

    /// <summary>The start of the window <paramref name="at"/> falls in.</summary>
    public DateTimeOffset WindowStart(DateTimeOffset at)
    {
        long windowTicks = _options.PromptSampleWindow.Ticks;
        long since = at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(since - (((since % windowTicks) + windowTicks) % windowTicks));
    }

    /// <summary>A window's name, as the table's row keys begin with it.</summary>
    public static string Window(DateTimeOffset windowStart) => windowStart.UtcDateTime.ToString(WindowFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseWindow(string window) =>
        new(DateTime.ParseExact(window, WindowFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);

    private DateTimeOffset RetainedSince() => _time.GetUtcNow() - _options.PromptSampleRetention;

    private static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9UL;
        value = (value ^ (value >> 27)) * 0x94d049bb133111ebUL;
        return value ^ (value >> 31);
    }
}
