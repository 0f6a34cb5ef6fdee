namespace CanaryService.Core.Campaigns;

/// <summary>
/// The heaviest keys of a stream in bounded memory (Space-Saving): a key not held replaces the lightest one and
/// inherits its count, so every count is an upper bound and any key above 1/capacity of the stream is held.
/// Summaries merge by adding counts and keeping the heaviest.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class TopCounts<TKey> where TKey : notnull
{
    private readonly Dictionary<TKey, long> _counts;

    /// <summary>An empty summary holding at most <paramref name="capacity"/> keys.</summary>
    public TopCounts(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _counts = new Dictionary<TKey, long>(capacity + 1, comparer);
    }

    /// <summary>The most keys held.</summary>
    public int Capacity { get; }

    /// <summary>The keys held with their counts.</summary>
    public IReadOnlyDictionary<TKey, long> Counts => _counts;

    /// <summary>The largest count held (0 when empty).</summary>
    public long MaxCount => _counts.Count == 0 ? 0 : _counts.Values.Max();

    /// <summary>Counts <paramref name="key"/> <paramref name="weight"/> more times.</summary>
    public void Add(TKey key, long weight = 1)
    {
        if (_counts.TryGetValue(key, out long count))
        {
            _counts[key] = count + weight;
            return;
        }

        if (_counts.Count < Capacity)
        {
            _counts[key] = weight;
            return;
        }

        // A plain loop over the struct enumerator: no allocation on the hot path of a busy account.
        TKey lightest = key;
        long least = long.MaxValue;
        foreach (KeyValuePair<TKey, long> pair in _counts)
        {
            if (pair.Value < least)
            {
                (lightest, least) = (pair.Key, pair.Value);
            }
        }

        _counts.Remove(lightest);
        _counts[key] = least + weight;
    }

    /// <summary>Adds every count of <paramref name="other"/>.</summary>
    public void Merge(IReadOnlyDictionary<TKey, long> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach ((TKey key, long count) in other.OrderByDescending(p => p.Value))
        {
            Add(key, count);
        }
    }
}
