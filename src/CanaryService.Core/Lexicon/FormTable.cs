using System.Runtime.CompilerServices;

namespace CanaryService.Core.Lexicon;

/// <summary>
/// The lexicon's forms in an open-addressed hash table sized to stay under a quarter full: the scanner looks up
/// every word of every answer, most words are not forms, and a miss here is a hash of five numbers and usually one
/// empty slot. (A <c>FrozenDictionary</c> alternate lookup cost about a tenth of the marking time under load.)
/// </summary>
internal sealed class FormTable
{
    // One bit per hash bucket of 1 KB: a word whose bit is clear is no form. Under load the slots (16 KB) were out of the
    // cache by the time the next answer came, and most words cost a miss there only to find an empty slot; these sixteen
    // lines are read by every word and so stay cached. About one word in ten that is not a form passes it.
    private const int FilterBitsLog2 = 13;
    private const int FilterBits = 1 << FilterBitsLog2;
    private readonly ulong[] _filter = new ulong[FilterBits / 64];
    private readonly int[] _slots; // entry index + 1; 0 is empty
    private readonly string[] _forms;
    private readonly (int Group, int Form)[] _values;
    private readonly int _mask;

    public FormTable(IReadOnlyList<KeyValuePair<string, (int Group, int Form)>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        int size = 64;
        while (size < entries.Count * 4)
        {
            size *= 2;
        }

        _slots = new int[size];
        _mask = size - 1;
        _forms = new string[entries.Count];
        _values = new (int, int)[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            _forms[i] = entries[i].Key;
            _values[i] = entries[i].Value;
            uint hash = Hash(entries[i].Key);
            int slot = (int)hash & _mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = i + 1;
            int bit = FilterBit(hash);
            _filter[bit >> 6] |= 1UL << bit;
        }
    }

    /// <summary>Every form, in the order given.</summary>
    public IReadOnlyList<string> Forms => _forms;

    /// <summary>
    /// Finds a word in any ASCII case (the forms are lower case): the scanner looks up every word, and lower-casing each
    /// one first (into a buffer) only to find that most are not forms was a fifth of its time.
    /// </summary>
    public bool TryGetValue(ReadOnlySpan<char> word, out (int Group, int Form) value)
    {
        if (word.IsEmpty)
        {
            value = default;
            return false;
        }

        uint hash = Hash(word);
        int bit = FilterBit(hash);
        if ((_filter[bit >> 6] & (1UL << bit)) == 0)
        {
            value = default;
            return false;
        }

        int slot = (int)hash & _mask;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0)
            {
                value = default;
                return false;
            }

            if (EqualsIgnoreAsciiCase(word, _forms[entry - 1]))
            {
                value = _values[entry - 1];
                return true;
            }

            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>True when <paramref name="word"/> is <paramref name="lowerCaseForm"/> in any ASCII case.</summary>
    internal static bool EqualsIgnoreAsciiCase(ReadOnlySpan<char> word, string lowerCaseForm)
    {
        if (word.Length != lowerCaseForm.Length)
        {
            return false;
        }

        for (int i = 0; i < word.Length; i++)
        {
            if (Fold(word[i]) != lowerCaseForm[i])
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Fold(char c) => char.IsAsciiLetterUpper(c) ? (uint)(c | 0x20) : c;

    // The filter's bit: the hash's top bits (the slot takes its bottom ones), so the two tests are nearly independent.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FilterBit(uint hash) => (int)((hash * 0x9E3779B1u) >> (32 - FilterBitsLog2));

    // The length and the two characters at each end, mixed independently (no chain of multiplies over the whole word):
    // forms that share all five are rare and only cost a probe.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<char> word)
    {
        // Folded to lower case, so a word in any case hashes as its lower-case form does (the forms are lower case).
        uint hash = ((uint)word.Length * 0x9E3779B1u) ^ (Fold(word[0]) * 0x85EBCA77u) ^ (Fold(word[^1]) * 0xC2B2AE3Du);
        if (word.Length > 2)
        {
            hash ^= (Fold(word[1]) * 0x27D4EB2Fu) ^ (Fold(word[^2]) * 0x165667B1u);
        }

        return hash ^ (hash >> 15);
    }
}
