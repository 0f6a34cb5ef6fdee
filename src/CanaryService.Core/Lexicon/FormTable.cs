using System.Runtime.CompilerServices;

namespace CanaryService.Core.Lexicon;

/// <summary>
/// The lexicon's forms in an open-addressed hash table sized to stay under half full: the scanner looks up every word
/// of every answer, most words are not forms, and a miss here is a hash of five numbers and a filter bit. (A
/// <c>FrozenDictionary</c> alternate lookup cost about a tenth of the marking time under load.)
/// </summary>
/// <remarks>
/// A slot is sixteen bytes that hold the form itself, five bits a letter, with its group and index: a found word
/// costs one memory read. Under bursts the table is out of every cache by the time an answer comes, and the slot,
/// the form string it pointed to and the entry beside it were three reads a word.
/// </remarks>
internal sealed class FormTable
{
    /// <summary>The longest form a slot holds: twelve letters in its first word and four in its second.</summary>
    public const int MaxFormLength = 16;

    // One bit per hash bucket of 1 KB: a word whose bit is clear is no form. Under load the slots were out of the
    // cache by the time the next answer came, and most words cost a miss there only to find an empty slot; these sixteen
    // lines are read by every word and so stay cached. About one word in ten that is not a form passes it.
    private const int FilterBitsLog2 = 13;
    private const int FilterBits = 1 << FilterBitsLog2;
    private const int GroupShift = 32;
    private const int FormShift = 48;
    private readonly ulong[] _filter = new ulong[FilterBits / 64];
    private readonly Slot[] _slots; // Letters == 0: empty (a form has at least one letter)
    private readonly string[] _forms;
    private readonly int _mask;

    public FormTable(IReadOnlyList<KeyValuePair<string, (int Group, int Form)>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        int size = 64;
        while (size < entries.Count * 2)
        {
            size *= 2;
        }

        _slots = new Slot[size];
        _mask = size - 1;
        _forms = new string[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            (string form, (int group, int index)) = (entries[i].Key, entries[i].Value);
            if (!TryPack(form, out ulong letters, out ulong rest) || (uint)group > ushort.MaxValue || (uint)index > byte.MaxValue)
            {
                throw new ArgumentException($"'{form}' does not fit a slot: at most {MaxFormLength} ASCII letters, in a group of at most 256.", nameof(entries));
            }

            _forms[i] = form;
            uint hash = Hash(form);
            int slot = (int)hash & _mask;
            while (_slots[slot].Letters != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = new Slot(letters, rest | ((ulong)group << GroupShift) | ((ulong)index << FormShift));
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
    public bool TryGetValue(ReadOnlySpan<char> word, out int group, out int form)
    {
        group = 0;
        form = 0;
        if (word.IsEmpty || word.Length > MaxFormLength)
        {
            return false;
        }

        uint hash = Hash(word);
        int bit = FilterBit(hash);
        if ((_filter[bit >> 6] & (1UL << bit)) == 0 || !TryPack(word, out ulong letters, out ulong rest))
        {
            return false;
        }

        int slot = (int)hash & _mask;
        while (true)
        {
            ref readonly Slot entry = ref _slots[slot];
            if (entry.Letters == 0)
            {
                return false;
            }

            if (entry.Letters == letters && (uint)entry.Rest == rest)
            {
                group = (ushort)(entry.Rest >> GroupShift);
                form = (byte)(entry.Rest >> FormShift);
                return true;
            }

            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>
    /// The word's letters, case folded, five bits each (1 to 26, so 0 is padding): the first twelve in
    /// <paramref name="letters"/>, the rest in the low 20 bits of <paramref name="rest"/>. False when the word is too
    /// long or has a character that cannot pack.
    /// </summary>
    private static bool TryPack(ReadOnlySpan<char> word, out ulong letters, out ulong rest)
    {
        letters = 0;
        rest = 0;
        if (word.Length > MaxFormLength)
        {
            return false;
        }

        // (c | 0x20) - 'a', unsigned, is 0 to 25 for an ASCII letter (as in char.IsAsciiLetter). Any other character gives 32
        // or more, except the ten of '[' to '_' and '{' to DEL, which give 26 to 30: those still pack into their five
        // bits, as 27 to 31, which no form has, so the word matches nothing.
        uint others = 0;
        int first = Math.Min(word.Length, 12);
        for (int i = 0; i < first; i++)
        {
            uint letter = (uint)((word[i] | 0x20) - 'a');
            others |= letter;
            letters |= (ulong)(letter + 1) << (5 * i);
        }

        for (int i = first; i < word.Length; i++)
        {
            uint letter = (uint)((word[i] | 0x20) - 'a');
            others |= letter;
            rest |= (ulong)(letter + 1) << (5 * (i - 12));
        }

        return others < 32;
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

    private readonly record struct Slot(ulong Letters, ulong Rest);
}
