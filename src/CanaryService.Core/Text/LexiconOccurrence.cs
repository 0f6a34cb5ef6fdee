using CanaryService.Core.Lexicon;

namespace CanaryService.Core.Text;

/// <summary>How a word is capitalised (the only patterns the marker rewrites).</summary>
public enum WordCasing
{
    /// <summary>all lower-case</summary>
    Lower,

    /// <summary>First letter upper-case</summary>
    Title,

    /// <summary>ALL UPPER-CASE</summary>
    Upper,
}

/// <summary>One eligible lexicon occurrence found by <see cref="LexiconScanner"/>.</summary>
public readonly ref struct LexiconOccurrence
{
    internal LexiconOccurrence(LexiconGroup group, int formIndex, int start, int length, WordCasing casing, ReadOnlySpan<char> context)
    {
        Group = group;
        FormIndex = formIndex;
        Start = start;
        Length = length;
        Casing = casing;
        Context = context;
    }

    /// <summary>The group.</summary>
    public LexiconGroup Group { get; }

    /// <summary>Which form of the group the text has.</summary>
    public int FormIndex { get; }

    /// <summary>Where the word starts in the scanned text.</summary>
    public int Start { get; }

    /// <summary>The word's length.</summary>
    public int Length { get; }

    /// <summary>The word's capitalisation.</summary>
    public WordCasing Casing { get; }

    /// <summary>The previous output word, lower-cased, <c>^</c> at a sentence start, <c>#</c> after a protected region.</summary>
    public ReadOnlySpan<char> Context { get; }
}
