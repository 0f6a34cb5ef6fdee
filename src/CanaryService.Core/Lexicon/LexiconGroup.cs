using System.Buffers;
using System.Collections.Frozen;
using System.Collections.Immutable;

namespace CanaryService.Core.Lexicon;

/// <summary>
/// A group of interchangeable forms (same part of speech and inflection) and the guards that say where a swap
/// would be wrong. Forms are lower-case; the keyed choice is <c>Forms[PreferredIndex(context, Id, Forms.Length)]</c>.
/// </summary>
public sealed class LexiconGroup
{
    // The guards' span lookups, made once: GetAlternateLookup checks the comparer's type on every call, and the scanner
    // asks on every occurrence.
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _onlyAfter;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _notAfter;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _notBefore;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _onlyBefore;
    private readonly int _sourceMask;

    internal LexiconGroup(
        int id,
        int index,
        ImmutableArray<string> forms,
        FrozenSet<string>? onlyAfter,
        FrozenSet<string>? notAfter,
        FrozenSet<string>? notBefore,
        FrozenSet<string>? onlyBefore,
        bool requiresComma,
        bool requiresNextWord,
        int sourceMask = -1,
        FrozenSet<string>? echoes = null,
        bool isMarkup = false)
    {
        IsMarkup = isMarkup;
        Echoes = echoes ?? FrozenSet<string>.Empty;
        _sourceMask = sourceMask;
        Id = id;
        Index = index;
        Forms = forms;
        OnlyAfter = onlyAfter;
        NotAfter = notAfter;
        NotBefore = notBefore;
        OnlyBefore = onlyBefore;
        RequiresComma = requiresComma;
        RequiresNextWord = requiresNextWord;
        _onlyAfter = onlyAfter?.GetAlternateLookup<ReadOnlySpan<char>>() ?? default;
        _notAfter = notAfter?.GetAlternateLookup<ReadOnlySpan<char>>() ?? default;
        _notBefore = notBefore?.GetAlternateLookup<ReadOnlySpan<char>>() ?? default;
        _onlyBefore = onlyBefore?.GetAlternateLookup<ReadOnlySpan<char>>() ?? default;
        WindowWords = [.. forms.Concat(Echoes).Where(static w => w.Length > 0 && w.All(char.IsAsciiLetterLower))];
        WindowWordSearch = SearchValues.Create(WindowWords, StringComparison.OrdinalIgnoreCase);
        MixedArticle = forms.Select(static f => "aeiou".Contains(f[0], StringComparison.Ordinal)).Distinct().Count() > 1;
    }

    /// <summary>
    /// A markup group (the bullet character of a list): its forms are Markdown markers that render alike, found by the
    /// scanner from the text's structure rather than looked up as words (see <see cref="CanaryLexicon.Bullets"/>).
    /// </summary>
    public bool IsMarkup { get; }

    /// <summary>The stable id (keys are derived per id; never renumbered).</summary>
    public int Id { get; }

    /// <summary>The position of the group in <see cref="CanaryLexicon.Groups"/>.</summary>
    public int Index { get; }

    /// <summary>Words that are not forms but echo them (e.g. "particular" for "particularly"): within the lexicon's echo window they rule a rewrite out as a form of the group would.</summary>
    public FrozenSet<string> Echoes { get; }

    /// <summary>
    /// The forms and echo words that a run of letters can equal (lower-case ASCII letters only): what the scanner's echo
    /// window looks for ahead of an occurrence.
    /// </summary>
    internal string[] WindowWords { get; }

    /// <summary>A vectorised search for <see cref="WindowWords"/> in any case.</summary>
    internal SearchValues<string> WindowWordSearch { get; }

    /// <summary>The interchangeable forms, lower-case.</summary>
    public ImmutableArray<string> Forms { get; }

    /// <summary>When set, the group is eligible only after these previous words (<c>^</c> = sentence start).</summary>
    public FrozenSet<string>? OnlyAfter { get; }

    /// <summary>Previous words after which the group is never eligible.</summary>
    public FrozenSet<string>? NotAfter { get; }

    /// <summary>Next words before which the group is never eligible (never lexicon words themselves).</summary>
    public FrozenSet<string>? NotBefore { get; }

    /// <summary>
    /// When set, the group is eligible only before these next tokens: a lower-case word, the punctuation character that
    /// follows the word directly, <c>$</c> when nothing follows on the line, <c>#</c> for anything else
    /// (see <see cref="LexiconScanner.NextKey"/>). Never lexicon forms, so marking cannot change its own eligibility.
    /// </summary>
    public FrozenSet<string>? OnlyBefore { get; }

    /// <summary>
    /// False for a form that is only ever written, never rewritten (a one-way group, rule <c>from</c>: "frequently" may
    /// become "often", "often" never becomes "frequently"). The scanner yields only source forms, so the detector
    /// counts only them too: under the null each still matches the keyed form with probability 1/|g|.
    /// </summary>
    public bool IsSource(int formIndex) => (_sourceMask & (1 << formIndex)) != 0;

    /// <summary>True when only some forms are eligible (rule <c>from</c>).</summary>
    public bool IsOneWay => _sourceMask != -1;

    /// <summary>Eligible only when a comma follows the word directly.</summary>
    public bool RequiresComma { get; }

    /// <summary>Eligible only when another word follows (attributive use).</summary>
    public bool RequiresNextWord { get; }

    /// <summary>The forms disagree on the article (<c>a</c>/<c>an</c>), so the group is not eligible after either.</summary>
    public bool MixedArticle { get; }

    /// <summary>True when eligibility depends on the word that follows.</summary>
    public bool NeedsNextWord => RequiresNextWord || NotBefore is not null || OnlyBefore is not null;

    /// <summary>False when the previous word (lower case, or <c>^</c> / <c>#</c>) rules the group out: not in <see cref="OnlyAfter"/>, or in <see cref="NotAfter"/>.</summary>
    internal bool IsAllowedAfter(ReadOnlySpan<char> context) =>
        (OnlyAfter is null || _onlyAfter.Contains(context)) && (NotAfter is null || !_notAfter.Contains(context));

    /// <summary>True when the next word (lower case) is in <see cref="NotBefore"/>.</summary>
    internal bool IsBlockedBefore(ReadOnlySpan<char> lowerCaseNextWord) => NotBefore is not null && _notBefore.Contains(lowerCaseNextWord);

    /// <summary>False when <see cref="OnlyBefore"/> is set and does not hold the next token.</summary>
    internal bool IsAllowedBefore(ReadOnlySpan<char> nextKey) => OnlyBefore is null || _onlyBefore.Contains(nextKey);

    /// <inheritdoc />
    public override string ToString() => $"{Id}: {string.Join(' ', Forms)}";
}
