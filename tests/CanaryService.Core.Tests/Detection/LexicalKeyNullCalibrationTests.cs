using Xunit.Abstractions;
using System.Security.Cryptography;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Statistics;
using CanaryService.Core.Tests.Statistics;

namespace CanaryService.Core.Tests.Detection;

/// <summary>
/// The lexical null is over the key: the text is fixed (here a writer with strong preferences of its own that writes
/// a few contexts over and over, the case that breaks a test assuming the writer picks forms at random), the key is
/// drawn at random 2,000 times.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class LexicalKeyNullCalibrationTests(ITestOutputHelper output)
{
    private const int Keys = 2_000;
    private const int Runs = 5;

    // Per run, how often each of 120 pairs is written and with which habit: a handful of sentence-start pairs 40-150
    // times a run, the rest 0-3 times, some only from a later run on; 85 % of occurrences use the pair's own favourite
    // form, the rest a random one.
    private static readonly Occurrence[] Text = BuildText();

    private readonly record struct Occurrence(string Context, int GroupId, int GroupSize, int Form, int Run);

    private static Occurrence[] BuildText()
    {
        var random = new Random(23);
        var pairs = Enumerable.Range(0, 120)
            .Select(i => (Context: i < 6 ? "^" : "w" + random.Next(25), GroupId: i, Size: random.Next(2, 5), Frequent: i < 6, FirstRun: i < 60 ? 0 : random.Next(Runs)))
            .DistinctBy(p => (p.Context, p.GroupId))
            .ToArray();
        var text = new List<Occurrence>();
        for (int run = 0; run < Runs; run++)
        {
            foreach (var pair in pairs.Where(p => p.FirstRun <= run))
            {
                int favourite = pair.GroupId % pair.Size;
                int times = pair.Frequent ? random.Next(40, 151) : random.Next(0, 4);
                for (int i = 0; i < times; i++)
                {
                    int form = random.NextDouble() < 0.85 ? favourite : random.Next(pair.Size);
                    text.Add(new Occurrence(pair.Context, pair.GroupId, pair.Size, form, run));
                }
            }
        }

        return [.. text];
    }

    /// <summary>The tallies of runs 0..<paramref name="lastRun"/>, as <see cref="LexicalDetector"/> builds them.</summary>
    private static LexicalTally[] Tally(IEnumerable<Occurrence> text, int lastRun)
    {
        var tallies = new Dictionary<(string, int), LexicalTally>();
        var order = new List<LexicalTally>();
        foreach (Occurrence o in text.Where(o => o.Run <= lastRun))
        {
            if (!tallies.TryGetValue((o.Context, o.GroupId), out LexicalTally? tally))
            {
                tally = new LexicalTally(o.Context, o.GroupId, o.GroupSize, LexicalLayer.Global, o.Run);
                tallies.Add((o.Context, o.GroupId), tally);
                order.Add(tally);
            }

            tally.Add(o.Form, o.Run);
        }

        return [.. order];
    }

    [Fact]
    public void Every_occurrence_statistic_holds_its_rate_on_a_repetitive_writer_and_the_naive_null_does_not()
    {
        LexicalTally[] tallies = Tally(Text, Runs - 1);
        int[] thresholdsHit = new int[2];
        int eHits = 0, naiveHits = 0;
        var random = new Random(41);
        for (int k = 0; k < Keys; k++)
        {
            LexicalKey key = RandomKey(random);
            DetectionTestResult result = LexicalScorer.Score(tallies, key, LexicalLayer.Global);
            thresholdsHit[0] += result.PValue.PValue <= 0.01 ? 1 : 0;
            thresholdsHit[1] += result.PValue.PValue <= 0.001 ? 1 : 0;
            eHits += result.EValue >= 100 ? 1 : 0;

            // The naive null ("the writer picks each form with probability 1/|g|", every occurrence a Bernoulli): a
            // writer with habits matches on nearly all repeats of a context or on nearly none, which that null does not
            // allow for, so its false-positive rate explodes (even with the conservative Chernoff bound used here).
            var naive = new LatticeSum();
            foreach (LexicalTally t in tallies)
            {
                for (int i = 0; i < t.Total; i++)
                {
                    naive.AddBernoulli(1.0 / t.GroupSize);
                }
            }

            naiveHits += naive.ChernoffUpperTail(result.Matches).PValue <= 0.01 ? 1 : 0;
        }

        int bound01 = SamplingBound.MaxConsistentCount(Keys, 0.01), bound001 = SamplingBound.MaxConsistentCount(Keys, 0.001);
        output.WriteLine($"{tallies.Length} pairs, {tallies.Sum(t => t.Total)} occurrences; keys {Keys}: p ≤ 0.01 {thresholdsHit[0]} (bound {bound01}), " +
            $"p ≤ 0.001 {thresholdsHit[1]} (bound {bound001}), e ≥ 100 {eHits}, naive p ≤ 0.01 {naiveHits}");
        Assert.True(tallies.Max(t => t.Total) >= 200, "the text must repeat some contexts heavily");
        Assert.True(thresholdsHit[0] <= bound01, $"p ≤ 0.01 for {thresholdsHit[0]}/{Keys} keys (bound {bound01})");
        Assert.True(thresholdsHit[1] <= bound001, $"p ≤ 0.001 for {thresholdsHit[1]}/{Keys} keys (bound {bound001})");
        Assert.True(eHits <= bound01, $"e ≥ 100 for {eHits}/{Keys} keys (bound {bound01})");
        Assert.True(naiveHits > 5 * bound01, $"the naive null fired for only {naiveHits}/{Keys} keys");
    }

    [Fact]
    public void E_value_watched_after_every_run_holds_its_rate()
    {
        // Ville: the chance that the e-value is ever ≥ 100 at any of the run-by-run assessments is ≤ 1 %. Each pair is
        // settled on its first run's counts, so the e-values of the prefixes are one martingale.
        LexicalTally[][] prefixes = [.. Enumerable.Range(0, Runs).Select(r => Tally(Text, r))];
        int ever100 = 0, ever1000 = 0;
        var random = new Random(43);
        for (int k = 0; k < Keys; k++)
        {
            LexicalKey key = RandomKey(random);
            double max = prefixes.Max(p => LexicalScorer.Score(p, key, LexicalLayer.Global).EValue);
            ever100 += max >= 100 ? 1 : 0;
            ever1000 += max >= 1000 ? 1 : 0;
        }

        int bound01 = SamplingBound.MaxConsistentCount(Keys, 0.01), bound001 = SamplingBound.MaxConsistentCount(Keys, 0.001);
        output.WriteLine($"keys {Keys}, {Runs} runs: e ever ≥ 100 {ever100} (bound {bound01}), ever ≥ 1000 {ever1000} (bound {bound001})");
        Assert.True(ever100 <= bound01, $"e ever ≥ 100 for {ever100}/{Keys} keys (bound {bound01})");
        Assert.True(ever1000 <= bound001, $"e ever ≥ 1000 for {ever1000}/{Keys} keys (bound {bound001})");
    }

    [Fact]
    public void The_p_value_is_the_exact_tail_of_the_keyed_counts()
    {
        // Two pairs, small enough to enumerate the key's 3 × 2 choices by hand.
        var key = LexicalKey.FromBytes("global", new byte[32]);
        LexicalTally[] tallies =
        [
            new LexicalTally("^", 1, 3, LexicalLayer.Global).Add(0, 0, 5).Add(1, 0, 2),   // counts 5, 2, 0
            new LexicalTally("it", 2, 2, LexicalLayer.Global).Add(1, 0, 3),              // counts 0, 3
        ];
        int k0 = key.PreferredIndex("^", 1, 3), k1 = key.PreferredIndex("it", 2, 2);
        int observed = tallies[0].Counts[k0] + tallies[1].Counts[k1];
        int[] sums = [.. from a in new[] { 5, 2, 0 } from b in new[] { 0, 3 } select a + b];
        double expected = sums.Count(s => s >= observed) / 6.0;

        DetectionTestResult result = LexicalScorer.Score(tallies, key, LexicalLayer.Global, weightCap: 64);
        Assert.Equal(expected, result.PValue.PValue, 1e-12);
        Assert.Equal((10L, (long)observed), (result.N, result.Matches));

        // By default: twice the smaller tail of the two caps (4 rescales the first pair's counts to 3, 1, 0).
        double small = LexicalScorer.Score(tallies, key, LexicalLayer.Global, weightCap: 4).PValue.PValue;
        Assert.Equal(Math.Min(1, 2 * Math.Min(small, expected)), LexicalScorer.Score(tallies, key, LexicalLayer.Global).PValue.PValue, 1e-12);
    }

    [Fact]
    public void Frequent_pairs_are_weighted_up_to_the_cap_and_no_further()
    {
        Span<int> values = stackalloc int[3];
        LexicalScorer.Values([3, 1, 0], 4, 16, values);
        Assert.Equal([3, 1, 0], values.ToArray());
        LexicalScorer.Values([60, 30, 10], 100, 16, values);
        Assert.Equal([10, 5, 2], values.ToArray());   // 9.6, 4.8, 1.6 rounded
    }

    [Fact]
    public void Only_the_requested_layer_is_scored_and_a_matching_key_is_detected()
    {
        var key = LexicalKey.FromBytes("global", RandomNumberGenerator.GetBytes(32));
        var tallies = Enumerable.Range(0, 400)
            .Select(i => new LexicalTally("c" + i, i, 3, i % 2 == 0 ? LexicalLayer.Global : LexicalLayer.Account))
            .Select(t => t.Add(t.Layer == LexicalLayer.Global ? key.PreferredIndex(t.Context, t.GroupId, 3) : 0, 0, 8))
            .ToArray();
        DetectionTestResult global = LexicalScorer.Score(tallies, key, LexicalLayer.Global);
        Assert.Equal((1600L, 1600L), (global.N, global.Matches));
        Assert.True(global.PValue.PValue < 1e-90);
        Assert.True(global.EValue > 1e20);
        Assert.Equal(("lexical", "global", false), (global.Family, global.KeyId, global.Significant));
        Assert.Equal(1600, LexicalScorer.Score(tallies, key, LexicalLayer.Account).N);
    }

    private static LexicalKey RandomKey(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return LexicalKey.FromBytes("global", bytes);
    }
}
