using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;

namespace CanaryService.Core.Tests.Phrases;

public sealed class PhraseCanaryGeneratorTests
{
    [Fact]
    public void Makes_d_plus_one_distinct_candidates_alike_in_form_and_a_sentence_with_the_real_one()
    {
        var generator = new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate()));
        var canary = generator.Create("2026-11", "docker+image+size", ["docker", "image", "size"]);

        Assert.Equal(100, canary.Candidates.Count);
        Assert.Equal(100, canary.Candidates.Distinct().Count());
        Assert.All(canary.Candidates, c => Assert.Matches("^the [a-z]+-[a-z]+ (rule|principle|method|heuristic|test|check)$", c));
        Assert.Single(canary.Candidates.Select(c => c.Split(' ')[2]).Distinct());
        Assert.Contains(canary.Mnemonic, canary.Sentence, StringComparison.Ordinal);
        Assert.Contains("-", canary.DistinctivePart, StringComparison.Ordinal);
        Assert.Equal(canary.Candidates, canary.Record.Candidates);
        Assert.Equal(64, canary.Record.Commitment.Length);
        Assert.True(generator.VerifyCommitment(canary.Record, canary.RealIndex));
        Assert.False(generator.VerifyCommitment(canary.Record, (canary.RealIndex + 1) % 100));
    }

    [Fact]
    public void Deterministic_per_key_epoch_and_topic_and_secret_across_keys()
    {
        var ring = new CanaryKeyRing(MasterKey.Generate());
        var a = new PhraseCanaryGenerator(ring).Create("2026-11", "t", ["t"]);
        var b = new PhraseCanaryGenerator(ring).Create("2026-11", "t", ["t"]);
        Assert.Equal(a.Candidates, b.Candidates);
        Assert.Equal(a.RealIndex, b.RealIndex);
        Assert.Equal(a.Sentence, b.Sentence);

        var nextEpoch = new PhraseCanaryGenerator(ring).Create("2026-12", "t", ["t"]);
        Assert.NotEqual(a.Candidates, nextEpoch.Candidates);

        // The real index is a uniform secret: over many keys it spreads over the candidates.
        var indexes = Enumerable.Range(0, 200)
            .Select(_ => new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate())).Create("e", "t", ["t"]).RealIndex)
            .ToList();
        Assert.True(indexes.Distinct().Count() > 50);
    }

    [Fact]
    public void Fewer_than_99_or_more_than_999_decoys_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate()), 98));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate()), 1000));
    }

    [Fact]
    public void The_largest_decoy_count_still_finds_enough_separated_candidates()
    {
        var canary = new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate()), PhraseCanaryGenerator.MaximumDecoys)
            .Create("2026-11", "docker+image+size", ["docker", "image", "size"]);
        Assert.Equal(PhraseCanaryGenerator.MaximumDecoys + 1, canary.Candidates.Count);
        Assert.Equal(canary.Candidates.Count, canary.Candidates.Distinct().Count());
    }

    // Regression: "the umber-nest check" and "the ember-nest check" were candidates of one topic, so a copied
    // real phrase also counted as a decoy hit (one CI run in ~250 keys failed on it).
    [Fact]
    public void A_copied_candidate_matches_that_candidate_alone_over_many_keys()
    {
        for (int key = 0; key < 300; key++)
        {
            var canary = new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate())).Create("2026-11", "retry+backoff+jitter", ["retry", "backoff", "jitter"]);
            var matcher = new CandidatePhraseMatcher(canary.Candidates);
            for (int i = 0; i < canary.Candidates.Count; i++)
            {
                var counts = new int[canary.Candidates.Count];
                matcher.CountIn("Again: " + canary.Candidates[i].ToUpperInvariant().Replace('-', ' ') + ".", counts);
                Assert.True(counts.Sum() == 1 && counts[i] == 1, $"key {key}: \"{canary.Candidates[i]}\" matched {string.Join(", ", canary.Candidates.Where((_, j) => counts[j] > 0))}");
            }
        }
    }

    [Fact]
    public void Topic_bucket_keeps_salient_words_and_ignores_order_and_stop_words()
    {
        var a = TopicBucket.FromPrompt("How do I reduce the size of my Docker images?");
        var b = TopicBucket.FromPrompt("Docker image size: what can I do to reduce it?");
        Assert.NotNull(a);
        Assert.Equal(a!.Key, b!.Key);
        Assert.DoesNotContain("how", a.Words);
        Assert.Contains("docker", a.Words);
        Assert.Null(TopicBucket.FromPrompt("How do I do it?"));
        Assert.Null(TopicBucket.FromPrompt(null));
        Assert.Null(TopicBucket.FromPrompt("Как уменьшить образ"));
    }
}
