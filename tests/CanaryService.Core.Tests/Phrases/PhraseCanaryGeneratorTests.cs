using System.Text.RegularExpressions;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Core.Phrases;

namespace CanaryService.Core.Tests.Phrases;

public sealed partial class PhraseCanaryGeneratorTests
{
    [Fact]
    public void Makes_d_plus_one_distinct_candidates_from_the_shipped_sentences_and_commits_to_the_real_one()
    {
        var generator = new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate()));
        var canary = generator.Create("2026-11", "docker+image+size", ["docker", "image", "size"]);

        Assert.Equal(100, canary.Candidates.Count);
        Assert.Equal(100, canary.Candidates.Distinct().Count());
        Assert.All(canary.Candidates, c => Assert.Contains(CanaryPhrasing.Hopes, h => c == h + " " + c[(h.Length + 1)..] && CanaryPhrasing.Offers.Contains(c[(h.Length + 1)..])));
        Assert.Equal(canary.Candidates[canary.RealIndex], canary.Sentence);
        Assert.Equal(canary.Candidates, canary.Record.Candidates);
        Assert.Equal(64, canary.Record.Commitment.Length);
        Assert.True(generator.VerifyCommitment(canary.Record, canary.RealIndex));
        Assert.False(generator.VerifyCommitment(canary.Record, (canary.RealIndex + 1) % 100));
    }

    [Fact]
    public void No_slot_sentence_names_anything_states_a_number_or_holds_a_lexicon_word()
    {
        // A canary must claim no fact, name or source: the only capitals are a sentence's first letter and "I", and
        // there are no digits. And the lexical watermark must never rewrite one, or a second pass would alter it.
        var lexicon = CanaryLexicon.Default;
        foreach (string sentence in CanaryPhrasing.Hopes.Concat(CanaryPhrasing.Offers))
        {
            Assert.Matches("^[A-Z][A-Za-z' ,-]*[a-z][.]$", sentence);
            Assert.DoesNotMatch("[0-9]", sentence);
            Assert.All(Words().Matches(sentence).Skip(1), w => Assert.True(w.Value == "I" || char.IsLower(w.Value[0]), $"\"{w.Value}\" in \"{sentence}\""));
            Assert.All(Words().Matches(sentence), w => Assert.False(lexicon.Contains(w.Value.ToLowerInvariant()), $"lexicon word \"{w.Value}\" in \"{sentence}\""));
        }

        Assert.All(CanaryPhrasing.Hopes, h => Assert.Matches("^(I hope|Hopefully) ", h));
        Assert.Equal(32, CanaryPhrasing.Hopes.Count);
        Assert.Equal(32, CanaryPhrasing.Offers.Count);
        Assert.True(CanaryPhrasing.Count >= PhraseCanaryGenerator.MaximumDecoys + 1);
    }

    [Trait("Category", "Simulation")]
    [Fact]
    public void Every_phrasing_copied_into_a_text_matches_itself_alone_among_all_phrasings()
    {
        // Any two of the 1,024 pairs may share a topic, so no text may be within one edit of two of them: a copied
        // canary would also count as a decoy. Checked for every pair, with text around it and copier's changes.
        string[] phrasings = [.. Enumerable.Range(0, CanaryPhrasing.Count).Select(CanaryPhrasing.Phrasing)];
        var matcher = new CandidatePhraseMatcher(phrasings);
        for (int i = 0; i < phrasings.Length; i++)
        {
            var counts = new int[phrasings.Length];
            string copied = "So that is it. " + phrasings[i].ToUpperInvariant().Replace(". ", "! ", StringComparison.Ordinal) + " Then more text follows.";
            matcher.CountIn(copied, counts);
            Assert.True(counts.Sum() == 1 && counts[i] == 1, $"\"{phrasings[i]}\" matched {string.Join(" | ", phrasings.Where((_, j) => counts[j] > 0))}");
        }
    }

    [Fact]
    public void Deterministic_per_key_epoch_and_topic_and_secret_across_keys()
    {
        var ring = new CanaryKeyRing(MasterKey.Generate());
        var a = new PhraseCanaryGenerator(ring).Create("2026-11", "t", ["t"]);
        var b = new PhraseCanaryGenerator(ring).Create("2026-11", "t", ["t"]);
        Assert.Equal(a.Candidates, b.Candidates);
        Assert.Equal(a.RealIndex, b.RealIndex);

        var nextEpoch = new PhraseCanaryGenerator(ring).Create("2026-12", "t", ["t"]);
        Assert.NotEqual(a.Candidates, nextEpoch.Candidates);

        // The real index is a uniform secret: over many keys it spreads over the candidates, and so does the
        // emitted phrasing over all of them.
        var canaries = Enumerable.Range(0, 300)
            .Select(_ => new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate())).Create("e", "t", ["t"]))
            .ToList();
        Assert.True(canaries.Select(c => c.RealIndex).Distinct().Count() > 80);
        Assert.True(canaries.Select(c => c.Sentence).Distinct().Count() > 200);
    }

    [Fact]
    public void Fewer_than_99_or_more_than_999_decoys_is_refused_and_the_largest_count_is_served()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate()), 98));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate()), 1000));
        var canary = new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate()), PhraseCanaryGenerator.MaximumDecoys)
            .Create("2026-11", "docker+image+size", ["docker", "image", "size"]);
        Assert.Equal(PhraseCanaryGenerator.MaximumDecoys + 1, canary.Candidates.Distinct().Count());
    }

    [Theory]
    [InlineData("How do I reduce the size of my Docker images?")]
    [InlineData("cafés")]
    [InlineData("Tide pools, tide charts and the tide tables of the Atlantic coast")]
    public void A_topic_key_read_back_is_the_bucket_it_came_from(string prompt)
    {
        TopicBucket bucket = TopicBucket.FromPrompt(prompt)!;
        TopicBucket readBack = TopicBucket.FromKey(bucket.Key)!;
        Assert.Equal(bucket.Key, readBack.Key);
        Assert.Equal(bucket.Words, readBack.Words);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("docker+Image")]
    [InlineData("image+docker")]
    [InlineData("docker+docker")]
    [InlineData("a+docker")]
    [InlineData("docker+image+size+reduce")]
    [InlineData("docker++image")]
    [InlineData("café+docker")]
    public void A_string_that_no_prompt_gives_as_a_key_is_no_topic(string? key) => Assert.Null(TopicBucket.FromKey(key));

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

    [GeneratedRegex("[A-Za-z']+")]
    private static partial Regex Words();
}
