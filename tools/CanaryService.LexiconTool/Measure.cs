using System.Text;
using CanaryService.Core.Lexicon;

namespace CanaryService.LexiconTool;

/// <summary>
/// Counts, on the tuning models' answers, each candidate form's previous words and next tokens exactly as the scanner
/// sees them (same protected regions, same context words), and asks WordNet whether the forms share a first sense.
/// </summary>
internal static class Measure
{
    public static void Run(string root, string corpus, string wordNetDict)
    {
        // Dropped groups are not measured: their words may now sit in the groups that replaced them.
        var candidates = LexiconBuild.ParseCandidates(File.ReadAllText(LexiconFiles.Candidates(root))).Where(c => c.Dropped is null).ToList();
        var wordNet = new WordNet(wordNetDict);

        // Every candidate group with no guards: the scanner then yields every occurrence outside protected regions.
        var lexicon = CanaryLexicon.Parse(string.Join('\n', candidates.Select(c => $"{c.Id} | {string.Join(' ', c.Forms)}")));
        var evidence = candidates.ToDictionary(
            c => c.Id,
            c => new GroupEvidence
            {
                SenseRank = c.Pos == 'x' ? 1 : wordNet.SharedSenseRank(c.Forms, c.Pos),
                Totals = new long[c.Forms.Count],
            });

        int answers = 0;
        long words = 0;
        Span<char> buffer = stackalloc char[32];
        foreach (var answer in RealCorpus.Read(corpus, m => !RealCorpus.HeldOut.Contains(m)))
        {
            answers++;
            words += RealCorpus.CountWords(answer.Output);
            var scanner = new LexiconScanner(lexicon, answer.Output);
            while (scanner.MoveNext())
            {
                var occurrence = scanner.Current;
                var group = candidates[occurrence.Group.Index];
                var e = evidence[group.Id];
                int form = occurrence.FormIndex;
                e.Totals[form]++;
                Count(e.Left, occurrence.Context.ToString(), form, group.Forms.Count);
                string next = CanaryLexicon.EncodeToken(LexiconScanner.NextKey(answer.Output, occurrence.Start + occurrence.Length, buffer).ToString());
                Count(e.Right, next, form, group.Forms.Count);
            }
        }

        string header = $"Contexts of the candidate forms in {answers} answers ({words} words) of the tuning models: the AlpacaEval model outputs (CC BY-NC 4.0) less the held-out {string.Join(", ", RealCorpus.HeldOut.Order(StringComparer.Ordinal))}. Counts only, no text.";
        File.WriteAllText(LexiconFiles.Evidence(root), LexiconBuild.WriteEvidence(candidates, evidence, header), new UTF8Encoding(false));
        Console.WriteLine($"{answers} answers, {words} words: {LexiconFiles.Evidence(root)}");
    }

    private static void Count(SortedDictionary<string, long[]> table, string context, int form, int forms)
    {
        if (!table.TryGetValue(context, out var counts))
        {
            table[context] = counts = new long[forms];
        }

        counts[form]++;
    }
}
