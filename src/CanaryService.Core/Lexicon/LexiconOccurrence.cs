
namespace CanaryService.Core.Lexicon;

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
    internal LexiconOccurrence(LexiconGroup group, int formIndex, int start, int length, WordCasing casing, ReadOnlySpan<char> context, int forcedFormIndex = -1)
    {
        ForcedFormIndex = forcedFormIndex;
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

    /// <summary>
    /// The previous output word, lower-cased, <c>^</c> at a sentence start, <c>#</c> after a protected region; for a
    /// list's bullet (<see cref="LexiconGroup.IsMarkup"/>), the first word of the list's first item, lower-cased.
    /// </summary>
    public ReadOnlySpan<char> Context { get; }

    /// <summary>
    /// -1 for a keyed occurrence. Otherwise the form the output must write here, whatever the key says: a later bullet
    /// of a list takes the form its first bullet was given, and a list that directly follows one with another bullet
    /// keeps a bullet unlike that one's (so that a renderer still sees two lists). The detector never counts these.
    /// </summary>
    public int ForcedFormIndex { get; }

    /// <summary>True when the form here is decided by the list's structure, not by a key (see <see cref="ForcedFormIndex"/>).</summary>
    public bool IsForced => ForcedFormIndex >= 0;
}
