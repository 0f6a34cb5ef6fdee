using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;

namespace CanaryService.Core.Lexicon;

/// <summary>
/// The lexicon of the lexical watermark: curated groups of interchangeable English forms, shipped as data
/// (<c>lexicon.txt</c>, an embedded resource) and looked up by lower-case form without allocating.
/// </summary>
public sealed class CanaryLexicon
{
    private static readonly Lazy<CanaryLexicon> DefaultLexicon = new(LoadDefault);
    private readonly FormTable _lookup;

    private readonly int _maxLookupLength;

    private CanaryLexicon(ImmutableArray<LexiconGroup> groups, Dictionary<string, (int, int)> forms, Dictionary<string, (int, int)> echoes, int echoWindow)
    {
        Groups = groups;
        Bullets = groups.FirstOrDefault(static g => g.IsMarkup);
        EchoWindow = echoWindow;
        // Echo words share the one table with the forms (form index -1), so the scanner's single lookup per word finds both.
        _lookup = new FormTable([.. forms, .. echoes]);
        Forms = [.. forms.Keys];
        MaxFormLength = forms.Keys.Max(static k => k.Length);
        _maxLookupLength = Math.Max(MaxFormLength, echoes.Keys.Select(static k => k.Length).DefaultIfEmpty(0).Max());
    }

    /// <summary>The directive that adds the bullet group (<see cref="Bullets"/>): <c>markup-bullet ID</c>.</summary>
    public const string BulletDirective = "markup-bullet ";

    /// <summary>The shipped lexicon's bullet group id (word groups are numbered below it).</summary>
    public const int BulletGroupId = 1000;

    /// <summary>The bullet group's forms: the unordered-list markers that are swapped (<c>+</c> is rare and left alone).</summary>
    public static readonly ImmutableArray<string> BulletForms = ["*", "-"];

    /// <summary>The directive that sets <see cref="EchoWindow"/>.</summary>
    public const string EchoWindowDirective = "echo-window ";

    // The stream holds back this many words after an eligible occurrence: bounded so that the hold-back stays small.
    private const int MaxEchoWindow = 400;

    /// <summary>The lexicon shipped with the service.</summary>
    public static CanaryLexicon Default => DefaultLexicon.Value;

    /// <summary>Every group, in file order.</summary>
    public ImmutableArray<LexiconGroup> Groups { get; }

    /// <summary>
    /// The echo window, in words either side of an occurrence (0: none): a group's word with another word of the same
    /// group this near is never rewritten. A rewrite uses one form per context, so rewriting one of two nearby words
    /// would make an author's "For example … For instance" read "For instance … For instance". A group's echo words
    /// (rule <c>echo</c>: relatives such as "particular" for "particularly", never rewritten) count as its words here.
    /// The file sets the window with a line <c>echo-window N</c>.
    /// </summary>
    public int EchoWindow { get; }

    /// <summary>
    /// The markup group of unordered-list bullets (<c>*</c> or <c>-</c>, one keyed choice per top-level list, the context
    /// the first word of its first item), or null when the lexicon has none. It is also in <see cref="Groups"/>, so the
    /// statistics and the layers treat it as any group; the scanner finds it from the text's structure, not by word.
    /// </summary>
    public LexiconGroup? Bullets { get; }

    /// <summary>The longest form, in characters.</summary>
    public int MaxFormLength { get; }

    /// <summary>Every form with its group, for reports.</summary>
    public IEnumerable<string> Forms { get; }

    /// <summary>Finds a word in any ASCII case, as its lower-case form.</summary>
    public bool TryFind(ReadOnlySpan<char> word, out LexiconGroup group, out int formIndex) =>
        TryFindWordOrEcho(word, out group, out formIndex) && formIndex >= 0;

    /// <summary>
    /// Finds a word in any ASCII case as a form of a group, or as one of a group's echo words (then
    /// <paramref name="formIndex"/> is -1): the scanner asks once per word.
    /// </summary>
    internal bool TryFindWordOrEcho(ReadOnlySpan<char> word, out LexiconGroup group, out int formIndex)
    {
        if (word.Length <= _maxLookupLength && _lookup.TryGetValue(word, out var hit))
        {
            group = Groups[hit.Group];
            formIndex = hit.Form;
            return true;
        }

        group = null!;
        formIndex = -1;
        return false;
    }

    /// <summary>True when the word, in any ASCII case, is a form of some group.</summary>
    public bool Contains(ReadOnlySpan<char> word) => TryFind(word, out _, out _);

    /// <summary>
    /// Parses the text format (see <c>lexicon.txt</c>): <c>id | form form ... [| rule; rule]</c>.
    /// </summary>
    /// <exception cref="FormatException">A line is malformed, an id or a word repeats, or a <c>not-before</c> word is a lexicon form.</exception>
    public static CanaryLexicon Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var groups = ImmutableArray.CreateBuilder<LexiconGroup>();
        var forms = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var ids = new HashSet<int>();
        var notBeforeWords = new List<(int Line, string Word)>();
        var echoes = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var echoWords = new List<(int Line, string Word)>();
        int lineNumber = 0;
        int echoWindow = 0;
        foreach (string rawLine in text.Split('\n'))
        {
            lineNumber++;
            string line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith(EchoWindowDirective, StringComparison.Ordinal))
            {
                if (!int.TryParse(line.AsSpan(EchoWindowDirective.Length), NumberStyles.AllowLeadingWhite, CultureInfo.InvariantCulture, out echoWindow) || echoWindow is < 0 or > MaxEchoWindow)
                {
                    throw new FormatException($"lexicon line {lineNumber}: expected '{EchoWindowDirective} N' with N from 0 to {MaxEchoWindow}.");
                }

                continue;
            }

            if (line.StartsWith(BulletDirective, StringComparison.Ordinal))
            {
                if (!int.TryParse(line.AsSpan(BulletDirective.Length), NumberStyles.AllowLeadingWhite, CultureInfo.InvariantCulture, out int bulletId)
                    || !ids.Add(bulletId) || groups.Any(static g => g.IsMarkup))
                {
                    throw new FormatException($"lexicon line {lineNumber}: expected one '{BulletDirective}ID' with a new numeric id.");
                }

                // Not in the word table: the scanner recognises a list's bullet by its place at a line start.
                groups.Add(new LexiconGroup(bulletId, groups.Count, BulletForms, null, null, null, null, false, false, isMarkup: true));
                continue;
            }

            string[] parts = line.Split('|', StringSplitOptions.TrimEntries);
            if (parts.Length is < 2 or > 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int id) || !ids.Add(id))
            {
                throw new FormatException($"lexicon line {lineNumber}: expected a new numeric id, '|', forms.");
            }

            string[] words = parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || words.Any(static w => !w.All(char.IsAsciiLetterLower)))
            {
                throw new FormatException($"lexicon line {lineNumber}: a group needs at least two lower-case ASCII forms.");
            }

            FrozenSet<string>? onlyAfter = null, notAfter = null, notBefore = null, onlyBefore = null, echo = null;
            int sourceMask = -1;
            bool comma = false, nextWord = false;
            if (parts.Length == 3)
            {
                foreach (string rule in parts[2].Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    string[] tokens = rule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var set = tokens.Skip(1).Select(DecodeToken).ToFrozenSet(StringComparer.Ordinal);
                    switch (tokens[0])
                    {
                        case "after": onlyAfter = set; break;
                        case "not-after": notAfter = set; break;
                        case "not-before":
                            notBefore = set;
                            notBeforeWords.AddRange(set.Select(w => (lineNumber, w)));
                            break;
                        case "before":
                            onlyBefore = set;
                            notBeforeWords.AddRange(set.Select(w => (lineNumber, w)));
                            break;
                        case "from":
                            sourceMask = 0;
                            foreach (string source in set)
                            {
                                int at = Array.IndexOf(words, source);
                                if (at < 0)
                                {
                                    throw new FormatException($"lexicon line {lineNumber}: 'from {source}' is not a form of the group.");
                                }

                                sourceMask |= 1 << at;
                            }

                            break;
                        case "echo":
                            echo = set;
                            echoWords.AddRange(set.Select(w => (lineNumber, w)));
                            break;
                        case "comma": comma = true; break;
                        case "before-word": nextWord = true; break;
                        default: throw new FormatException($"lexicon line {lineNumber}: unknown rule '{tokens[0]}'.");
                    }
                }
            }

            int index = groups.Count;
            for (int f = 0; f < words.Length; f++)
            {
                if (!forms.TryAdd(words[f], (index, f)))
                {
                    throw new FormatException($"lexicon line {lineNumber}: '{words[f]}' is already in another group.");
                }
            }

            foreach (string word in echo ?? [])
            {
                if (!word.All(char.IsAsciiLetterLower) || !echoes.TryAdd(word, (index, -1)))
                {
                    throw new FormatException($"lexicon line {lineNumber}: echo word '{word}' is not lower-case ASCII or is another group's echo word.");
                }
            }

            groups.Add(new LexiconGroup(id, index, [.. words], onlyAfter, notAfter, notBefore, onlyBefore, comma, nextWord, sourceMask, echo));
        }

        // A guard on the next word (before or not-before) must not itself be rewritten, or marking could change its own
        // eligibility.
        foreach (var (line, word) in notBeforeWords)
        {
            if (forms.ContainsKey(word))
            {
                throw new FormatException($"lexicon line {line}: next-word guard '{word}' is a lexicon form.");
            }
        }

        // An echo word is never rewritten, so that marking never changes what the echo window sees.
        foreach (var (line, word) in echoWords)
        {
            if (forms.ContainsKey(word))
            {
                throw new FormatException($"lexicon line {line}: echo word '{word}' is a lexicon form.");
            }
        }

        if (groups.All(static g => g.IsMarkup))
        {
            throw new FormatException("The lexicon has no groups.");
        }

        return new CanaryLexicon(groups.ToImmutable(), forms, echoes, echoWindow);
    }

    /// <summary>
    /// A guard token as the file writes it: a character the format uses (<c>;</c>, <c>|</c>) or one that is not printable
    /// ASCII is written <c>U+XXXX</c> (upper case, so never a word, which the file writes in lower case).
    /// </summary>
    public static string EncodeToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.Length == 1 && (token[0] is ';' or '|' || token[0] <= ' ' || token[0] > '~')
            ? "U+" + ((int)token[0]).ToString("X4", CultureInfo.InvariantCulture)
            : token;
    }

    private static string DecodeToken(string token) =>
        token.Length == 6 && token.StartsWith("U+", StringComparison.Ordinal) && int.TryParse(token.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code)
            ? ((char)code).ToString()
            : token;

    private static CanaryLexicon LoadDefault()
    {
        using Stream stream = typeof(CanaryLexicon).Assembly.GetManifestResourceStream("CanaryService.Core.Lexicon.lexicon.txt")
            ?? throw new InvalidOperationException("The embedded lexicon resource is missing.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}
