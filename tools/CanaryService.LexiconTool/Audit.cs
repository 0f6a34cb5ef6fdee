using System.Text.RegularExpressions;
using CanaryService.Core.Lexicon;

namespace CanaryService.LexiconTool;

/// <summary>
/// Marks every answer of every model with several keys and lists each change that falls in a line or token a reader
/// would call code, judged by a stricter, whole-line test than the scanner's (which may only look at a line's start);
/// prints changes and eligible occurrences per 1,000 words per model family.
/// </summary>
internal static partial class Audit
{
    public static void Run(string corpus, int keys)
    {
        var families = new SortedDictionary<string, (long Words, long Eligible, long Changes, int Answers)>(StringComparer.Ordinal);
        var suspects = new List<WordChange>();
        int index = 0;
        foreach (var answer in RealCorpus.Read(corpus, _ => true))
        {
            string family = RealCorpus.Family(answer.Model);
            var (words, eligible, changes, answers) = families.GetValueOrDefault(family);
            words += RealCorpus.CountWords(answer.Output);
            eligible += Changes.Eligible(answer.Output);
            for (int k = 0; k < keys; k++)
            {
                var marker = Changes.Marker(7_919 * k + index);
                foreach (var change in Changes.Diff(answer.Model, answer.Output, marker.Mark(answer.Output)))
                {
                    changes++;
                    if (LooksLikeCode(answer.Output, change))
                    {
                        suspects.Add(change);
                    }
                }
            }

            index++;
            families[family] = (words, eligible, changes, answers + 1);
        }

        Console.WriteLine("| family | answers | words | eligible / 1,000 words | changes / 1,000 words |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        long tw = 0, te = 0, tc = 0;
        foreach (var (family, (words, eligible, changes, answers)) in families)
        {
            Console.WriteLine($"| {family} | {answers} | {words} | {1000.0 * eligible / words:F1} | {1000.0 * changes / keys / words:F1} |");
            tw += words;
            te += eligible;
            tc += changes;
        }

        Console.WriteLine($"| all | | {tw} | {1000.0 * te / tw:F1} | {1000.0 * tc / keys / tw:F1} |");
        Console.WriteLine();
        Console.WriteLine($"{suspects.Count} changes in code-like lines or tokens:");
        foreach (var s in suspects.DistinctBy(s => (s.Line, s.Original)))
        {
            Console.WriteLine($"  [{s.Model}] {s.Original} → {s.Marked} in: {s.Line.Trim()}");
        }
    }

    /// <summary>
    /// A whole-line judgement: the line reads as code (code punctuation and few plain words), or the changed word's own
    /// token carries code characters once the prose punctuation around it is stripped.
    /// </summary>
    private static bool LooksLikeCode(string text, WordChange change)
    {
        string line = change.Line.Trim();
        string[] tokens = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        double plain = tokens.Count(t => PlainWord().IsMatch(t)) / (double)Math.Max(1, tokens.Length);
        if ((CodeLike().IsMatch(line) && plain < 0.7) || ((line.EndsWith(';') || line.EndsWith('{')) && plain < 0.8) || CodeLine.Starts(FirstToken(line), tokens.Length > 1 ? tokens[1] : "", false, false))
        {
            return true;
        }

        int s = change.Position, e = change.Position;
        while (s > 0 && !char.IsWhiteSpace(text[s - 1]))
        {
            s--;
        }

        while (e < text.Length && !char.IsWhiteSpace(text[e]))
        {
            e++;
        }

        string token = text[s..e].TrimStart('(', '[', '*', '"', '\'', '“', '‘').TrimEnd(')', ']', ',', '.', ':', ';', '!', '?', '*', '"', '\'', '”', '’');
        return TokenCodeLike().IsMatch(token);
    }

    private static string FirstToken(string line)
    {
        int space = line.IndexOfAny([' ', '\t']);
        return space < 0 ? line : line[..space];
    }

    [GeneratedRegex(@"(==|!=|&&|\|\||=>|\(\);|\+=|</|/>|\w\(\w*\)|^\s*(SELECT|FROM|WHERE|INSERT|UPDATE)\b|\b[a-z]+_[a-z]+\b|\b[a-z]+[A-Z][a-zA-Z]*\(|^\s*[a-zA-Z_][\w.]*\s*=\s)")]
    private static partial Regex CodeLike();

    [GeneratedRegex(@"[(){}\[\]=<>_`'""$]")]
    private static partial Regex TokenCodeLike();

    [GeneratedRegex(@"^[(\[*""“]*[A-Za-z][a-z'’-]*[)\],.:;!?*""”]*$")]
    private static partial Regex PlainWord();
}
