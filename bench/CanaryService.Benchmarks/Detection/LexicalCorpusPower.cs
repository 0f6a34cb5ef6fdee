using System.Globalization;
using CanaryService.Benchmarks.Corpus;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Core.Statistics;

namespace CanaryService.Benchmarks.Detection;

/// <summary>
/// Power of the lexical test on real model answers (not a benchmark of speed): answers of one model are marked with a
/// random key ring by the real <see cref="TextMarker"/>, mixed at a given share into unmarked answers of another model up
/// to a word budget, and scored with the global key by the first-occurrence statistic (each pair once, the
/// Poisson-binomial tail) and by the every-occurrence one (<see cref="LexicalScorer"/>). Prints the median p-value (and
/// e-value) over several key rings per (share, budget).
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project bench/CanaryService.Benchmarks -- lexical-power [data folder] [marked model]
/// [unmarked model] [keys] [caps]</c>, where caps (e.g. <c>4,16</c>) adds columns for fixed weight caps beside the default
/// one; the folder holds <c>*.jsonl.gz</c> files of <c>{"prompt","output"}</c> lines (default
/// <c>../shared/data/model-outputs</c>). The data is evaluation data: it is read, never copied.
/// </remarks>
internal static class LexicalCorpusPower
{
    private static readonly double[] Shares = [1.0, 0.25, 0.05];
    private static readonly int[] Budgets = [10_000, 40_000, 160_000];

    public static int Run(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "data", "model-outputs");
        string markedModel = args.Length > 1 ? args[1] : "Meta-Llama-3.1-70B-Instruct-Turbo";
        string unmarkedModel = args.Length > 2 ? args[2] : "Mistral-7B-Instruct-v0.3";
        int keys = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 5;
        int[] caps = args.Length > 4 ? [.. args[4].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))] : [];
        string[] marked = Read(Path.Combine(folder, markedModel + ".jsonl.gz"));
        string[] unmarked = Read(Path.Combine(folder, unmarkedModel + ".jsonl.gz"));
        Console.WriteLine($"marked: {markedModel} ({marked.Length} answers), unmarked: {unmarkedModel} ({unmarked.Length} answers), {keys} key rings");
        Console.WriteLine("share  words   pairs  occurrences  p first-occurrence  p every-occurrence  e every-occurrence" +
            string.Concat(caps.Select(c => $"  p every (cap {c,3})")) + "  (medians)");

        CanaryLexicon lexicon = CanaryLexicon.Default;
        var results = new Dictionary<(double, int), List<(int Pairs, long Occurrences, double First, double Every, double E, double[] Capped)>>();
        for (int k = 0; k < keys; k++)
        {
            var bytes = new byte[32];
            new Random(1_000 + k).NextBytes(bytes);
            var ring = new CanaryKeyRing(MasterKey.FromBytes(bytes));
            var layers = LexiconLayers.Create(lexicon, ring);
            var marker = new TextMarker(lexicon, layers, ring.Global, ring.ForAccount("distiller"));
            var detector = new LexicalDetector(lexicon, layers);
            foreach (double share in Shares)
            {
                // One mixed stream per key ring and share; each budget scores a prefix of it.
                var random = new Random(7 * k + (int)(share * 100));
                int[] markedOrder = Shuffled(marked.Length, random), unmarkedOrder = Shuffled(unmarked.Length, random);
                var answers = new List<string>();
                int words = 0, m = 0, u = 0;
                foreach (int budget in Budgets)
                {
                    while (words < budget && (m < markedOrder.Length || u < unmarkedOrder.Length))
                    {
                        bool fromMarked = u >= unmarkedOrder.Length || (m < markedOrder.Length && random.NextDouble() < share);
                        string answer = fromMarked ? marker.Mark(marked[markedOrder[m++]]) : unmarked[unmarkedOrder[u++]];
                        answers.Add(answer);
                        words += answer.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
                    }

                    IReadOnlyList<LexicalTally> tallies = detector.Collect(answers, []);
                    DetectionTestResult every = LexicalScorer.Score(tallies, ring.Global, LexicalLayer.Global);
                    double first = FirstOccurrence(detector, answers, ring.Global);
                    int pairs = tallies.Count(t => t.Layer == LexicalLayer.Global);
                    results.TryAdd((share, budget), []);
                    double[] capped = [.. caps.Select(c => LexicalScorer.Score(tallies, ring.Global, LexicalLayer.Global, c).PValue.PValue)];
                    results[(share, budget)].Add((pairs, every.N, first, every.PValue.PValue, every.EValue, capped));
                }
            }
        }

        foreach (((double share, int budget), var rows) in results.OrderByDescending(r => r.Key.Item1).ThenBy(r => r.Key.Item2))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{share,5:P0}  {budget,6}  {Median(rows.Select(r => (double)r.Pairs)),6:F0}  {Median(rows.Select(r => (double)r.Occurrences)),11:F0}  {Median(rows.Select(r => r.First)),18:G3}  {Median(rows.Select(r => r.Every)),18:G3}  {Median(rows.Select(r => r.E)),18:G3}")
                + string.Concat(caps.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"  {Median(rows.Select(r => r.Capped[i])),17:G3}"))));
        }

        return 0;
    }

    /// <summary>The statistic the detector used before: each global pair once, at its first occurrence.</summary>
    private static double FirstOccurrence(LexicalDetector detector, IEnumerable<string> answers, LexicalKey key)
    {
        var seen = new HashSet<(string, int)>();
        var sum = new LatticeSum();
        long matches = 0;
        foreach (string answer in answers)
        {
            foreach (LexicalContext c in detector.Scan(answer))
            {
                if (c.Layer == LexicalLayer.Global && c.GroupSize >= 2 && seen.Add((c.Context, c.GroupId)))
                {
                    sum.AddBernoulli(1.0 / c.GroupSize);
                    matches += key.PreferredIndex(c.Context, c.GroupId, c.GroupSize) == c.ObservedIndex ? 1 : 0;
                }
            }
        }

        return sum.UpperTail(matches).PValue;
    }

    private static string[] Read(string path) => [.. CorpusAnswers.Read(path).Select(a => a.Answer)];

    private static int[] Shuffled(int count, Random random)
    {
        int[] order = [.. Enumerable.Range(0, count)];
        random.Shuffle(order);
        return order;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : Math.Sqrt(sorted[(sorted.Length / 2) - 1] * sorted[sorted.Length / 2]);
    }
}
