using Xunit.Abstractions;
using System.Security.Cryptography;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Statistics;
using CanaryService.Core.Tests.Statistics;

namespace CanaryService.Core.Tests.Detection;

/// <summary>
/// The lexical null is over the key: the text is fixed (here a writer with strong preferences of its own, always the
/// first form of every group, and the same contexts over and over), the key is drawn at random 2,000 times.
/// </summary>
public sealed class LexicalKeyNullCalibrationTests(ITestOutputHelper output)
{
    private const int Keys = 2_000;

    // 150 distinct (context, group) pairs, each written 1-12 times, always with form 0.
    private static readonly (LexicalContext Context, int Repeats)[] PreferenceText = BuildPreferenceText();

    private static (LexicalContext, int)[] BuildPreferenceText()
    {
        var random = new Random(23);
        return Enumerable.Range(0, 150)
            .Select(i => (new LexicalContext(i % 10 == 0 ? "^" : "w" + random.Next(40), i, random.Next(2, 5), 0, LexicalLayer.Global), random.Next(1, 13)))
            .DistinctBy(x => (x.Item1.Context, x.Item1.GroupId))
            .ToArray();
    }

    [Fact]
    public void Key_null_holds_its_rate_on_a_writer_with_strong_preferences_and_the_naive_null_does_not()
    {
        var distinct = PreferenceText.Select(x => x.Context).ToArray();
        var expanded = PreferenceText.SelectMany(x => Enumerable.Repeat(x.Context, x.Repeats)).Select(c => 1.0 / c.GroupSize).ToArray();
        int pHits = 0, eHits = 0, naiveHits = 0;
        Span<byte> keyBytes = stackalloc byte[32];
        var random = new Random(41);
        for (int k = 0; k < Keys; k++)
        {
            random.NextBytes(keyBytes);
            var key = LexicalKey.FromBytes("global", keyBytes);
            DetectionTestResult result = LexicalScorer.Score(distinct, key, LexicalLayer.Global);
            pHits += result.PValue.PValue <= 0.01 ? 1 : 0;
            eHits += result.EValue >= 100 ? 1 : 0;

            // The naive null ("the writer picks each form with probability 1/|g|", every occurrence counted): a
            // writer that always uses one form matches on all repeats of a context or on none, which the naive
            // Poisson-binomial does not allow for, so its false-positive rate explodes (even with the conservative
            // Chernoff bound used here).
            int naiveMatches = PreferenceText.Sum(x => key.PreferredIndex(x.Context.Context, x.Context.GroupId, x.Context.GroupSize) == 0 ? x.Repeats : 0);
            naiveHits += PoissonBinomial.ChernoffUpperTail(expanded, naiveMatches).PValue <= 0.01 ? 1 : 0;
        }

        int bound = SamplingBound.MaxConsistentCount(Keys, 0.01);
        output.WriteLine($"keys {Keys}: p ≤ 0.01 {pHits}, e ≥ 100 {eHits}, naive p ≤ 0.01 {naiveHits} (bound {bound})");
        Assert.True(pHits <= bound, $"p ≤ 0.01 for {pHits}/{Keys} keys (bound {bound})");
        Assert.True(eHits <= bound, $"e ≥ 100 for {eHits}/{Keys} keys (bound {bound})");
        Assert.True(naiveHits > 5 * bound, $"the naive null fired for only {naiveHits}/{Keys} keys");
    }

    [Fact]
    public void Only_the_requested_layer_is_scored_and_a_matching_key_is_detected()
    {
        var key = LexicalKey.FromBytes("global", RandomNumberGenerator.GetBytes(32));
        var contexts = Enumerable.Range(0, 400)
            .Select(i => new LexicalContext("c" + i, i, 3, 0, i % 2 == 0 ? LexicalLayer.Global : LexicalLayer.Account))
            .Select(c => c with { ObservedIndex = c.Layer == LexicalLayer.Global ? key.PreferredIndex(c.Context, c.GroupId, 3) : c.ObservedIndex })
            .ToArray();
        DetectionTestResult global = LexicalScorer.Score(contexts, key, LexicalLayer.Global);
        Assert.Equal((200L, 200L), (global.N, global.Matches));
        Assert.True(global.PValue.PValue < 1e-90);
        Assert.True(global.EValue > 1e20);
        Assert.Equal(("lexical", "global", false), (global.Family, global.KeyId, global.Significant));
        Assert.Equal(200, LexicalScorer.Score(contexts, key, LexicalLayer.Account).N);
    }
}
