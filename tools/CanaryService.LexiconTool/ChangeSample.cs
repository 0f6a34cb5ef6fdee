using System.Globalization;
using System.Text;

namespace CanaryService.LexiconTool;

/// <summary>
/// Draws changes at random from the held-out models' marked answers and writes them as a table for a careful reader
/// to judge (the verdict column is filled by the reader, then kept in the repository). The table names each change by
/// model, line of the model's file and character offset, never by the answer's words: the corpus is licensed for
/// evaluation and is not copied into the repository. The draw is seeded, so <c>--text</c> writes the same table with
/// the sentence before and after each change for the reader, to a file outside the repository.
/// </summary>
internal static class ChangeSample
{
    public static void Run(string root, string corpus, int count, int seed, string outPath, string? answersDir = null, bool withText = false)
    {
        var all = new List<WordChange>();
        var texts = new Dictionary<WordChange, (string Original, string Marked, int Line)>(ReferenceEqualityComparer.Instance);
        int answerIndex = 0;
        foreach (var answer in RealCorpus.Read(corpus, RealCorpus.HeldOut.Contains))
        {
            // A key per answer, as a provider's traffic spreads over accounts.
            var marker = Changes.Marker(seed * 100_003 + answerIndex++);
            string marked = marker.Mark(answer.Output);
            foreach (var change in Changes.Diff(answer.Model, answer.Output, marked))
            {
                all.Add(change);
                texts[change] = (answer.Output, marked, answer.Line);
            }
        }

        var random = new Random(seed);
        var drawn = all.OrderBy(_ => random.Next()).Take(count).ToList();
        var sb = new StringBuilder();
        sb.Append(withText
            ? "| # | model | line | offset | change | before | after | verdict |\n| --- | --- | ---: | ---: | --- | --- | --- | --- |\n"
            : "| # | model | line | offset | change | verdict |\n| --- | --- | ---: | ---: | --- | --- |\n");
        int n = 0;
        foreach (var c in drawn)
        {
            string text = withText ? $" {Cell(Window(c.Before, c.Original))} | {Cell(Window(c.After, c.Marked))} |" : "";
            sb.Append(CultureInfo.InvariantCulture, $"| {++n} | {c.Model} | {texts[c].Line} | {c.Position} | {c.Original} → {c.Marked} |{text}  |\n");
        }

        if (answersDir is not null)
        {
            // For the reader only, outside the repository: the whole answer before and after, to judge echoes and flow.
            Directory.CreateDirectory(answersDir);
            n = 0;
            foreach (var c in drawn)
            {
                var (original, marked, _) = texts[c];
                string shown = marked[..c.MarkedPosition] + ">>>" + c.Marked + "<<<" + marked[(c.MarkedPosition + c.Marked.Length)..];
                File.WriteAllText(Path.Combine(answersDir, $"{++n:D3}.txt"), $"change: {c.Original} -> {c.Marked}\n\n=== original answer ===\n{original}\n\n=== marked answer (the change between >>> <<<) ===\n{shown}\n");
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
        File.WriteAllText(outPath, sb.ToString());
        Console.WriteLine($"{all.Count} changes in {answerIndex} held-out answers; {drawn.Count} drawn (seed {seed}) into {outPath}");
    }

    /// <summary>At most twelve words either side of the changed word: enough to judge it.</summary>
    private static string Window(string sentence, string word)
    {
        var change = (After: sentence, Marked: word);
        int at = change.After.IndexOf(change.Marked, StringComparison.Ordinal);
        string[] before = change.After[..Math.Max(0, at)].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] after = at < 0 ? [] : change.After[(at + change.Marked.Length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string left = (before.Length > 12 ? "… " : "") + string.Join(' ', before.TakeLast(12));
        string tail = at < 0 ? "" : change.After[(at + change.Marked.Length)..];
        string right = string.Join(' ', after.Take(12)) + (after.Length > 12 ? " …" : "");
        string glueLeft = at > 0 && change.After[at - 1] == ' ' ? " " : "";
        string glueRight = tail.StartsWith(' ') ? " " : "";
        return $"{left}{glueLeft}**{change.Marked}**{glueRight}{right}".Trim();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);
}
