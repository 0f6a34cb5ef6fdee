using System.Runtime.CompilerServices;
using CanaryService.Core.Keys;

namespace CanaryService.Core.Marking;

/// <summary>
/// Remembers <see cref="LexicalKey.PreferredIndex"/> per (group, context) so the hot path of marking does one
/// HMAC per distinct context instead of one per occurrence.
/// </summary>
/// <remarks>
/// A fixed array of immutable entries, looked up without locks: a (group, context) pair hashes to a set of
/// <see cref="Ways"/> neighbouring slots; a miss computes the index and writes a new entry into an empty slot of
/// the set, or over one of them. Racing writers at worst overwrite each other's entries (each entry is whole and
/// correct), so the cache is bounded by construction and never blocks. It replaced a <c>ConcurrentDictionary</c>
/// keyed by a formatted string: formatting the group id and hashing the string were a tenth of the marking time,
/// and once full every miss read the dictionary's <c>Count</c>, which takes all its locks.
/// </remarks>
internal sealed class PreferredFormCache
{
    private const int GlobalCapacity = 1 << 16;
    private const int AccountCapacity = 1 << 12;
    private const int Ways = 4;
    private static readonly ConditionalWeakTable<LexicalKey, PreferredFormCache> Caches = [];

    private readonly LexicalKey _key;
    private readonly Entry?[] _slots;
    private readonly int _mask;
    private int _nextVictim;

    private PreferredFormCache(LexicalKey key)
    {
        _key = key;
        _slots = new Entry?[key.Id == CanaryKeyRing.GlobalKeyId ? GlobalCapacity : AccountCapacity];
        _mask = _slots.Length - 1;
    }

    public static PreferredFormCache For(LexicalKey key) => Caches.GetValue(key, static k => new PreferredFormCache(k));

    public int PreferredIndex(ReadOnlySpan<char> context, int groupId, int groupSize)
    {
        int set = (int)Hash(context, groupId) & _mask & ~(Ways - 1);
        for (int way = 0; way < Ways; way++)
        {
            Entry? entry = Volatile.Read(ref _slots[set + way]);
            if (entry is null)
            {
                break;
            }

            if (entry.GroupId == groupId && context.SequenceEqual(entry.Context))
            {
                return entry.Index;
            }
        }

        int index = _key.PreferredIndex(context, groupId, groupSize);
        Store(set, new Entry(groupId, context.ToString(), index));
        return index;
    }

    private void Store(int set, Entry entry)
    {
        for (int way = 0; way < Ways; way++)
        {
            if (Interlocked.CompareExchange(ref _slots[set + way], entry, null) is null)
            {
                return;
            }
        }

        // The set is full: replace one of its entries (round robin over the cache, which is as good as random here).
        int victim = (int)((uint)Interlocked.Increment(ref _nextVictim) % Ways);
        Volatile.Write(ref _slots[set + victim], entry);
    }

    private static uint Hash(ReadOnlySpan<char> context, int groupId)
    {
        uint hash = 2166136261u ^ (uint)groupId * 0x9E3779B1u;
        foreach (char c in context)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash ^ (hash >> 16);
    }

    private sealed record Entry(int GroupId, string Context, int Index);
}
