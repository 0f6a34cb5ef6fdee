using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Tests.Detection.Simulation;
using CanaryService.Core.Tests.Statistics;
using Xunit.Abstractions;

namespace CanaryService.Core.Tests.Detection;

/// <summary>
/// The lexical detector on unmarked text, scanned once, against 2,000 random key rings (a fresh global key and a
/// fresh secret layer split each time): the false-positive rate stays within sampling error of ≤ 1 %.
/// </summary>
public sealed class LexicalTextCalibrationTests(ITestOutputHelper output)
{
    private const int Keys = 2_000;

    [Trait("Category", "Simulation")]
    [Theory]
    [InlineData(TeacherProse.FormChoice.Random, 0)]
    [InlineData(TeacherProse.FormChoice.AlwaysFirst, 30)]   // strong preferences of its own, few distinct contexts, many repeats
    public void Unmarked_text_holds_the_rate_over_random_keys(TeacherProse.FormChoice choice, int fillerWords)
    {
        var lexicon = CanaryLexicon.Default;
        var answers = TeacherProse.Answers(lexicon, 150_000, seed: 5, choice, fillerWords);
        var collector = new LexicalDetector(lexicon, LexiconLayers.Create(lexicon, new byte[32]));
        var contexts = collector.Collect(answers, []).ToArray();
        var groupIndex = lexicon.Groups.ToDictionary(g => g.Id, g => g.Index);

        int pHits = 0, eHits = 0;
        long scored = 0;
        var random = new Random(13);
        var relabelled = new LexicalTally[contexts.Length];
        for (int k = 0; k < Keys; k++)
        {
            var ring = new CanaryKeyRing(MasterKey.FromBytes(RandomBytes(random)));
            var layers = LexiconLayers.Create(lexicon, ring);
            for (int i = 0; i < contexts.Length; i++)
            {
                relabelled[i] = Relabel(contexts[i], layers.IsGlobal(groupIndex[contexts[i].GroupId]) ? LexicalLayer.Global : LexicalLayer.Account);
            }

            DetectionTestResult result = LexicalScorer.Score(relabelled, ring.Global, LexicalLayer.Global);
            scored += result.N;
            pHits += result.PValue.PValue <= 0.01 ? 1 : 0;
            eHits += result.EValue >= 100 ? 1 : 0;
        }

        int bound = SamplingBound.MaxConsistentCount(Keys, 0.01);
        output.WriteLine($"{choice}: {contexts.Length} distinct contexts, {contexts.Sum(c => c.Total)} occurrences, {scored / Keys} global occurrences per key; p ≤ 0.01 {pHits}/{Keys}, e ≥ 100 {eHits}/{Keys} (bound {bound})");
        Assert.True(contexts.Length > 100, $"only {contexts.Length} contexts"); // the filler vocabulary bounds them: many repeats each
        Assert.True(pHits <= bound, $"p ≤ 0.01 for {pHits}/{Keys} keys (bound {bound})");
        Assert.True(eHits <= bound, $"e ≥ 100 for {eHits}/{Keys} keys (bound {bound})");
    }

    /// <summary>A copy of <paramref name="tally"/> on another layer (the secret split is redrawn with every key ring).</summary>
    private static LexicalTally Relabel(LexicalTally tally, LexicalLayer layer)
    {
        // One batch of answers is one run: the counts are all of run 0.
        var copy = new LexicalTally(tally.Context, tally.GroupId, tally.GroupSize, layer);
        for (int f = 0; f < tally.GroupSize; f++)
        {
            copy.Add(f, 0, tally.Counts[f]);
        }

        return copy;
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return bytes;
    }
}
