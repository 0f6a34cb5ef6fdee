namespace CanaryService.Storage.PromptSamples;

/// <summary>
/// What one (account, window) sample is known to hold in storage: the priorities of its stored rows, at most
/// <c>K</c> once a write has settled. Deciding which new prompts to insert and which stored rows to delete is a merge
/// of two sorted sets, so the K smallest priorities seen are kept whatever the arrival order (bottom-K sampling: a
/// uniform sample without replacement of the distinct prompts), across restarts and instances.
/// </summary>
/// <remarks>
/// Only rows known to be stored are ever counted, so a delete always has K smaller stored priorities behind it and
/// never removes a row of the true bottom K. Another instance's rows are unknown here until the window is read again;
/// storage may then hold more than K rows for a while, which readers ignore (they take the first K).
/// </remarks>
internal sealed class BottomKReservoir
{
    private readonly SortedSet<ulong> _stored;
    private readonly int _capacity;

    public BottomKReservoir(int capacity, IEnumerable<ulong> stored)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentNullException.ThrowIfNull(stored);
        _capacity = capacity;
        _stored = [.. stored];
    }

    /// <summary>How many rows are known to be stored.</summary>
    public int Count => _stored.Count;

    /// <summary>
    /// Whether a prompt of this priority could still enter the sample (it is below the K-th known priority). A prompt
    /// that cannot is dropped without any storage call.
    /// </summary>
    public bool Admits(ulong priority) => _capacity > 0 && (_stored.Count < _capacity || priority < _stored.Max) && !_stored.Contains(priority);

    /// <summary>The priorities among <paramref name="candidates"/> to insert and the stored ones to delete so the K smallest remain.</summary>
    public (IReadOnlyList<ulong> Insert, IReadOnlyList<ulong> Delete) Plan(IEnumerable<ulong> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        SortedSet<ulong> union = [.. _stored];
        union.UnionWith(candidates);
        HashSet<ulong> kept = [.. union.Take(_capacity)];
        List<ulong> insert = [.. kept.Where(p => !_stored.Contains(p)).Order()];
        List<ulong> delete = [.. _stored.Where(p => !kept.Contains(p))];
        return (insert, delete);
    }

    /// <summary>Records that a plan's writes were applied.</summary>
    public void Commit(IReadOnlyList<ulong> inserted, IReadOnlyList<ulong> deleted)
    {
        ArgumentNullException.ThrowIfNull(inserted);
        ArgumentNullException.ThrowIfNull(deleted);
        _stored.UnionWith(inserted);
        _stored.ExceptWith(deleted);
    }
}
