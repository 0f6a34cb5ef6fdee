namespace CanaryService.Core.Campaigns;

/// <summary>
/// Counts distinct hashes in bounded memory (k minimum values): keeps the <see cref="Size"/> smallest; with k of them
/// the count is about (k − 1) / (k-th smallest / 2^64), within about 1/√(k − 2) relative error. Union is exact: keep
/// the smallest of both.
/// </summary>
public sealed class DistinctSketch
{
    /// <summary>Hashes kept.</summary>
    public const int Size = 64;

    // One sorted list, not a tree: a million accounts' sketches are a million small arrays, not 64 million nodes.
    private readonly List<ulong> _smallest = [];

    /// <summary>The hashes kept, ascending.</summary>
    public IReadOnlyList<ulong> Values => _smallest;

    /// <summary>The estimated number of distinct hashes seen.</summary>
    public double Estimate => _smallest.Count < Size
        ? _smallest.Count
        : (Size - 1) / (_smallest[^1] / 18446744073709551616.0);

    /// <summary>Adds one hash.</summary>
    public void Add(ulong hash)
    {
        if (_smallest.Count == Size && hash >= _smallest[^1])
        {
            return;
        }

        int at = _smallest.BinarySearch(hash);
        if (at >= 0)
        {
            return; // seen already
        }

        if (_smallest.Count == Size)
        {
            _smallest.RemoveAt(Size - 1);
        }

        _smallest.Insert(~at, hash);
    }

    /// <summary>Adds every hash of another sketch.</summary>
    public void Merge(IEnumerable<ulong> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        foreach (ulong hash in hashes)
        {
            Add(hash);
        }
    }
}
