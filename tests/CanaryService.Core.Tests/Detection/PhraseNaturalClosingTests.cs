using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;
using CanaryService.Core.Probing;
using CanaryService.Core.Tests.Statistics;
using Xunit.Abstractions;

namespace CanaryService.Core.Tests.Detection;

/// <summary>
/// Canary phrasings are ordinary closings, so an innocent model may write some of them itself. The permutation test
/// stays exact because the decoys are just as ordinary: over 2,000 random key rings a competitor that closes its
/// answers with these very sentences (never having seen ours) is flagged at p ≤ 0.01 for at most 1 % of keys, while a
/// student that copies the canaries of marked answers is caught.
/// </summary>
public sealed class PhraseNaturalClosingTests(ITestOutputHelper output)
{
    private const int Keys = 2_000;
    private static readonly string[][] TopicWords = [["sourdough", "starter", "travel"], ["retry", "backoff", "jitter"], ["tax", "return", "deadline"], ["poem", "autumn", "leaves"]];

    [Trait("Category", "Simulation")]
    [Fact]
    public void A_model_with_closing_habits_of_its_own_holds_the_rate_over_random_keys()
    {
        // The innocent competitor ends half of its answers with one of the shipped pairs, a few of them favourites
        // (as a model's habits are), fixed before any key is drawn.
        var random = new Random(17);
        string[] favourites = [.. Enumerable.Range(0, 6).Select(_ => CanaryPhrasing.Phrasing(random.Next(CanaryPhrasing.Count)))];
        string[][] answers = [.. TopicWords.Select(_ => Enumerable.Range(0, 4).Select(_ => "The answer itself.\n\n" + (random.Next(2) == 0
            ? (random.Next(3) == 0 ? CanaryPhrasing.Phrasing(random.Next(CanaryPhrasing.Count)) : favourites[random.Next(favourites.Length)])
            : "That is all.")).ToArray())];

        int pHits = 0, eHits = 0, anyHit = 0;
        for (int k = 0; k < Keys; k++)
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            var ring = new CanaryKeyRing(MasterKey.FromBytes(bytes));
            var generator = new PhraseCanaryGenerator(ring);
            PhraseCanary[] canaries = [.. TopicWords.Select(w => generator.Create("2026-12", string.Join('+', w), w))];
            DetectionTestResult result = Score(ring, canaries, (t, i) => answers[t][i]);
            pHits += result.PValue.PValue <= 0.01 ? 1 : 0;
            eHits += result.EValue >= 100 ? 1 : 0;
            anyHit += result.DecoyHitRate > 0 || result.Matches > 0 ? 1 : 0;
        }

        int bound = SamplingBound.MaxConsistentCount(Keys, 0.01);
        output.WriteLine($"closing habits: some candidate hit for {anyHit}/{Keys} keys; p ≤ 0.01 {pHits}/{Keys}, e ≥ 100 {eHits}/{Keys} (bound {bound})");
        Assert.True(anyHit > Keys / 2, $"the habits hit candidates for only {anyHit}/{Keys} keys: the simulation would prove nothing");
        Assert.True(pHits <= bound, $"p ≤ 0.01 for {pHits}/{Keys} keys (bound {bound})");
        Assert.True(eHits <= bound, $"e ≥ 100 for {eHits}/{Keys} keys (bound {bound})");
    }

    [Fact]
    public void A_student_that_copies_the_canaries_of_marked_answers_is_caught()
    {
        // The student learned one closing per topic from our marked answers and writes it in some of its answers, with
        // a copier's changes (case, punctuation); its other answers close with its own habits.
        var ring = new CanaryKeyRing(MasterKey.Generate());
        var generator = new PhraseCanaryGenerator(ring);
        PhraseCanary[] canaries = [.. TopicWords.Select(w => generator.Create("2026-12", string.Join('+', w), w))];
        DetectionTestResult result = Score(ring, canaries, (t, i) => "The answer itself.\n\n" + (i % 2 == 0
            ? canaries[t].Sentence.Replace(". ", "! ", StringComparison.Ordinal).ToLowerInvariant()
            : "I hope this helps. Let me know if you need anything else."));

        Assert.Equal(8, result.Matches);
        Assert.True(result.PValue.PValue < 1e-7, $"p = {result.PValue.PValue}");
        Assert.True(result.EValue >= 1e6, $"e = {result.EValue}");
    }

    private static DetectionTestResult Score(CanaryKeyRing ring, PhraseCanary[] canaries, Func<int, int, string> answer)
    {
        ProbeExchange[] exchanges = [.. canaries.SelectMany((c, t) => Enumerable.Range(0, 4)
            .Select(i => new ProbeExchange("topic", c.Epoch, c.Topic, "Tell me about " + c.Topic, answer(t, i), null, DateTimeOffset.UnixEpoch)))];
        PhraseEvidence evidence = new PhraseCanaryDetector(ring).Collect([new Transcript("acme", "r1", DateTimeOffset.UnixEpoch, exchanges)], canaries.Select(c => c.Record));
        return PhraseCanaryDetector.Score(evidence, CanaryKeyRing.GlobalKeyId);
    }
}
