using CanaryService.Core.Campaigns;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// Per-account traffic features in memory, with the table's semantics: each observation is reduced at once by the
/// same <see cref="PromptShape"/> into its account's UTC-day window (no prompt text is kept), a query merges every
/// account's windows from the day of <c>since</c> on, and a profile keeps the first and last request and the newest
/// key hint. An observation without an account is refused. Nothing is queued, so <see cref="FlushAsync"/> has
/// nothing to wait for. Thread-safe.
/// </summary>
public sealed class InMemoryTrafficLog : ITrafficLog
{
    private readonly PromptShape _shape;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Account, DateOnly Day), AccountTrafficWindow> _windows = [];
    private readonly Dictionary<string, AccountTrafficWindow> _profiles = new(StringComparer.Ordinal);

    /// <summary>Creates an empty log whose feature hashes are keyed by <paramref name="sketchKey"/>.</summary>
    public InMemoryTrafficLog(byte[] sketchKey)
    {
        ArgumentNullException.ThrowIfNull(sketchKey);
        _shape = new PromptShape(sketchKey);
    }

    /// <inheritdoc />
    public bool Record(TrafficObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (string.IsNullOrEmpty(observation.AccountId))
        {
            return false;
        }

        PromptShapeFeatures features = _shape.Reduce(observation.Prompt);
        lock (_gate)
        {
            (string, DateOnly) key = (observation.AccountId, DateOnly.FromDateTime(observation.At.UtcDateTime));
            if (!_windows.TryGetValue(key, out AccountTrafficWindow? window))
            {
                _windows[key] = window = new AccountTrafficWindow(observation.AccountId);
            }

            window.Add(observation, features);
            if (!_profiles.TryGetValue(observation.AccountId, out AccountTrafficWindow? profile))
            {
                _profiles[observation.AccountId] = profile = new AccountTrafficWindow(observation.AccountId);
            }

            profile.Seen(observation.At, observation.At, observation.KeyHint);
        }

        return true;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AccountTrafficWindow>> QueryAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        DateOnly first = DateOnly.FromDateTime(since.UtcDateTime);
        Dictionary<string, AccountTrafficWindow> merged = new(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (KeyValuePair<(string Account, DateOnly Day), AccountTrafficWindow> entry in _windows.Where(w => w.Key.Day >= first))
            {
                if (!merged.TryGetValue(entry.Key.Account, out AccountTrafficWindow? window))
                {
                    merged[entry.Key.Account] = window = new AccountTrafficWindow(entry.Key.Account);
                }

                // A copy: the caller may merge into what it reads without touching what is kept.
                window.Merge(entry.Value);
            }
        }

        return Task.FromResult<IReadOnlyList<AccountTrafficWindow>>([.. merged.Values.OrderBy(w => w.AccountId, StringComparer.Ordinal)]);
    }

    /// <inheritdoc />
    public Task<AccountProfile?> GetProfileAsync(string accountId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_profiles.TryGetValue(accountId, out AccountTrafficWindow? seen)
                ? new AccountProfile(accountId, seen.KeyHint, seen.FirstAt, seen.LastAt)
                : null);
        }
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
}
