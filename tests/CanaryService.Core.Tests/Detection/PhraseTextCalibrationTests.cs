using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;
using CanaryService.Core.Probing;
using CanaryService.Core.Tests.Statistics;
using Xunit.Abstractions;

namespace CanaryService.Core.Tests.Detection;

/// <summary>
/// The phrase detector on answers that never saw our canaries but close in the same words by habit: each holds
/// a dozen of the shipped closing phrasings (an unrelated key ring's candidates), so some candidates of each random
/// key ring are hit by chance. Over 2,000 random key rings the false-positive rate stays ≤ 1 %.
/// </summary>
public sealed class PhraseTextCalibrationTests(ITestOutputHelper output)
{
    private const int Keys = 2_000;
    private static readonly string[][] TopicWords = [["cache", "eviction", "policy"], ["retry", "backoff", "jitter"], ["index", "btree", "pages"], ["tls", "handshake", "certs"]];

    [Trait("Category", "Simulation")]
    [Fact]
    public void Answers_with_closing_habits_of_their_own_hold_the_rate_over_random_keys()
    {
        // The competitor's habits: closings from an unrelated key ring's candidates, 12 per answer, 2 answers per topic.
        var habitRing = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Repeat((byte)7, 32).ToArray()));
        var pool = Enumerable.Range(0, 30)
            .SelectMany(i => new PhraseCanaryGenerator(habitRing).Create("habits", "topic" + i, ["x"]).Candidates)
            .Distinct()
            .ToArray();
        var random = new Random(29);
        var answers = TopicWords.Select(_ => Enumerable.Range(0, 2)
            .Select(_ => string.Join(' ', Enumerable.Range(0, 12).Select(_ => pool[random.Next(pool.Length)])))
            .ToArray()).ToArray();

        int pHits = 0, eHits = 0, anyHit = 0;
        double decoyRate = 0;
        for (int k = 0; k < Keys; k++)
        {
            var ring = new CanaryKeyRing(MasterKey.FromBytes(RandomBytes(random)));
            var generator = new PhraseCanaryGenerator(ring);
            var canaries = TopicWords.Select(w => generator.Create("2026-11", string.Join('+', w), w)).ToArray();
            var exchanges = canaries.SelectMany((c, t) => answers[t].Select(a => new ProbeExchange("topic", c.Epoch, c.Topic, "Explain " + c.Topic, a, null, DateTimeOffset.UnixEpoch))).ToArray();
            var evidence = new PhraseCanaryDetector(ring).Collect([new Transcript("acme", "r", DateTimeOffset.UnixEpoch, exchanges)], canaries.Select(c => c.Record));
            DetectionTestResult result = PhraseCanaryDetector.Score(evidence, "global");
            pHits += result.PValue.PValue <= 0.01 ? 1 : 0;
            eHits += result.EValue >= 100 ? 1 : 0;
            anyHit += evidence.Topics.Any(t => t.Counts.Counts.Sum() > 0) ? 1 : 0;
            decoyRate += result.DecoyHitRate!.Value / Keys;
        }

        int bound = SamplingBound.MaxConsistentCount(Keys, 0.01);
        output.WriteLine($"phrase text null: some candidate hit for {anyHit}/{Keys} keys, mean decoy hit rate {decoyRate:P2}; p ≤ 0.01 {pHits}/{Keys}, e ≥ 100 {eHits}/{Keys} (bound {bound})");
        Assert.True(anyHit > Keys / 2, $"the habits hit candidates for only {anyHit}/{Keys} keys: the simulation would prove nothing");
        Assert.True(pHits <= bound, $"p ≤ 0.01 for {pHits}/{Keys} keys (bound {bound})");
        Assert.True(eHits <= bound, $"e ≥ 100 for {eHits}/{Keys} keys (bound {bound})");
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return bytes;
    }
}
