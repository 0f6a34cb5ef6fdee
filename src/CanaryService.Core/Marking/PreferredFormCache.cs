using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CanaryService.Core.Keys;

namespace CanaryService.Core.Marking;

/// <summary>
/// Remembers <see cref="LexicalKey.PreferredIndex"/> per (group, context) so the hot path of marking does one
/// HMAC per distinct context instead of one per occurrence. Bounded: once full, misses are computed, not stored.
/// </summary>
internal sealed class PreferredFormCache
{
    private const int GlobalCapacity = 1 << 16;
    private const int AccountCapacity = 1 << 12;
    private static readonly ConditionalWeakTable<LexicalKey, PreferredFormCache> Caches = [];

    private readonly LexicalKey _key;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<string, int> _indexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private PreferredFormCache(LexicalKey key)
    {
        _key = key;
        _capacity = key.Id == CanaryKeyRing.GlobalKeyId ? GlobalCapacity : AccountCapacity;
        _lookup = _indexes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static PreferredFormCache For(LexicalKey key) => Caches.GetValue(key, static k => new PreferredFormCache(k));

    public int PreferredIndex(ReadOnlySpan<char> context, int groupId, int groupSize)
    {
        // The cache key is "{groupId}\u0001{context}"; contexts are at most 32 characters.
        Span<char> composite = stackalloc char[48];
        if (context.Length > 32 || !groupId.TryFormat(composite, out int written))
        {
            return _key.PreferredIndex(context, groupId, groupSize);
        }

        composite[written++] = '\u0001';
        context.CopyTo(composite[written..]);
        ReadOnlySpan<char> lookupKey = composite[..(written + context.Length)];
        if (_lookup.TryGetValue(lookupKey, out int index))
        {
            return index;
        }

        index = _key.PreferredIndex(context, groupId, groupSize);
        if (_indexes.Count < _capacity)
        {
            _lookup.TryAdd(lookupKey, index);
        }

        return index;
    }
}
