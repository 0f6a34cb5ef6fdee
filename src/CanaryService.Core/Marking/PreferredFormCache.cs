using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using CanaryService.Core.Keys;

namespace CanaryService.Core.Marking;

/// <summary>
/// Remembers <see cref="LexicalKey.PreferredIndex"/> per (group, context) so the hot path of marking does one
/// HMAC per distinct context instead of one per occurrence.
/// </summary>
/// <remarks>
/// <para>A fixed array of packed 64-bit entries, looked up without locks: a (group, context) pair hashes to a set of
/// <see cref="Ways"/> neighbouring slots; a miss computes the index and writes the entry into an empty slot of the
/// set, or over one of them. An entry is one word (so a racing writer can only replace it whole, never tear it),
/// which makes the cache bounded by construction and never blocking.</para>
/// <para>An entry holds the group id and the index exactly, and the context as a fingerprint: the top bits of a 64-bit
/// hash keyed with a per-process random seed, while the set is chosen by its bottom bits. Two contexts of one group
/// are confused only when 57 bits of their hashes agree (47 of the fingerprint, at least 10 of the set), which no input
/// can arrange (the seed is secret) and chance does about once in 2^55 lookups (four ways); it would cost that one
/// occurrence its keyed form, nothing else.</para>
/// <para>It replaced entries that were objects holding the context as a string: under load a lookup read the slot, the
/// entry and the string, three places in memory that were rarely still cached, for each of the fifty or so lexicon
/// words of an answer. Now it reads one.</para>
/// </remarks>
internal sealed class PreferredFormCache
{
    private const int GlobalCapacity = 1 << 16;
    private const int AccountCapacity = 1 << 12;
    private const int Ways = 4;
    private const int IndexBits = 4;
    private const int GroupBits = 12;
    private const int FingerprintShift = IndexBits + GroupBits;
    private const ulong IndexMask = (1UL << IndexBits) - 1;
    private static readonly ConditionalWeakTable<LexicalKey, PreferredFormCache> Caches = [];
    private static readonly ulong Seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));

    private readonly LexicalKey _key;
    private readonly ulong[] _slots; // 0: empty (an entry's fingerprint has its lowest bit set)
    private readonly int _mask;
    private int _nextVictim;

    private PreferredFormCache(LexicalKey key)
    {
        _key = key;
        _slots = new ulong[key.Id == CanaryKeyRing.GlobalKeyId ? GlobalCapacity : AccountCapacity];
        _mask = _slots.Length - 1;
    }

    public static PreferredFormCache For(LexicalKey key) => Caches.GetValue(key, static k => new PreferredFormCache(k));

    public int PreferredIndex(ReadOnlySpan<char> context, int groupId, int groupSize)
    {
        if ((uint)groupId >= 1u << GroupBits || (uint)groupSize > 1u << IndexBits)
        {
            return _key.PreferredIndex(context, groupId, groupSize); // does not fit an entry (no lexicon comes near)
        }

        ulong hash = Hash(context, groupId);
        ulong tag = ((hash >> FingerprintShift) << FingerprintShift) | (1UL << FingerprintShift) | ((ulong)groupId << IndexBits);
        int set = (int)hash & _mask & ~(Ways - 1);
        for (int way = 0; way < Ways; way++)
        {
            ulong entry = Volatile.Read(ref _slots[set + way]);
            if (entry == 0)
            {
                break;
            }

            if ((entry & ~IndexMask) == tag)
            {
                return (int)(entry & IndexMask);
            }
        }

        int index = _key.PreferredIndex(context, groupId, groupSize);
        Store(set, tag | (uint)index);
        return index;
    }

    private void Store(int set, ulong entry)
    {
        for (int way = 0; way < Ways; way++)
        {
            if (Interlocked.CompareExchange(ref _slots[set + way], entry, 0) == 0)
            {
                return;
            }
        }

        // The set is full: replace one of its entries (round robin over the cache, which is as good as random here).
        int victim = (int)((uint)Interlocked.Increment(ref _nextVictim) % Ways);
        Volatile.Write(ref _slots[set + victim], entry);
    }

    private static ulong Hash(ReadOnlySpan<char> context, int groupId)
    {
        ulong hash = Seed ^ ((ulong)(uint)groupId * 0x9E3779B97F4A7C15UL);
        foreach (char c in context)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }

        // Mix the last characters into the top bits too (the fingerprint) and the bottom ones (the set).
        hash ^= hash >> 29;
        hash *= 0xBF58476D1CE4E5B9UL;
        return hash ^ (hash >> 32);
    }
}
