using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;
using CanaryService.Core.Probing;

namespace CanaryService.Core.Tests.Detection;

public sealed class PhraseCanaryDetectorTests
{
    private static readonly CanaryKeyRing KeyRing = new(MasterKey.Generate());
    private static readonly PhraseCanaryGenerator Generator = new(KeyRing);

    private static Transcript Run(string runId, params (PhraseCanary Canary, string Answer)[] answers) =>
        new("acme", runId, DateTimeOffset.UnixEpoch, answers
            .Select(a => new ProbeExchange("topic", a.Canary.Epoch, a.Canary.Topic, "Explain " + string.Join(' ', a.Canary.TopicWords), a.Answer, null, DateTimeOffset.UnixEpoch))
            .ToArray());

    [Fact]
    public void The_secret_index_is_recomputed_from_the_key_ring_and_foreign_rows_are_refused()
    {
        var detector = new PhraseCanaryDetector(KeyRing);
        PhraseCanary canary = Generator.Create("2026-11", "cache+eviction+policy", ["cache", "eviction", "policy"]);
        Assert.Equal(canary.RealIndex, detector.RealIndex(canary.Record));

        PhraseCanary foreign = new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate())).Create("2026-11", "cache+eviction+policy", ["cache", "eviction", "policy"]);
        Assert.Equal(-1, detector.RealIndex(foreign.Record));
        Assert.Equal(-1, detector.RealIndex(canary.Record with { Commitment = new string('0', 64) }));
        Assert.Equal(-1, detector.RealIndex(canary.Record with { Candidates = canary.Candidates.Take(10).ToArray() }));
    }

    [Fact]
    public void Counts_answers_per_candidate_and_freezes_each_topic_at_its_first_hit_run()
    {
        var detector = new PhraseCanaryDetector(KeyRing);
        PhraseCanary a = Generator.Create("2026-11", "retry+backoff+jitter", ["retry", "backoff", "jitter"]);
        PhraseCanary b = Generator.Create("2026-11", "index+btree+pages", ["index", "btree", "pages"]);
        string decoy = a.Candidates[(a.RealIndex + 1) % a.Candidates.Count];
        var history = new[]
        {
            Run("r1", (a, "Back off exponentially. " + a.Sentence), (b, "B-trees keep pages balanced.")),
            Run("r2", (a, "Again: " + a.Sentence.ToUpperInvariant().Replace(". ", "! ", StringComparison.Ordinal) + " Or: " + decoy), (b, "Pages split. " + b.Sentence)),
        };

        PhraseEvidence evidence = detector.Collect(history, [a.Record, b.Record]);
        PhraseTopicEvidence ta = evidence.Topics.Single(t => t.Topic == a.Topic), tb = evidence.Topics.Single(t => t.Topic == b.Topic);
        Assert.Equal((2, 2, 1), (ta.Answers, ta.Counts.RealCount, ta.Counts.Counts.Sum() - ta.Counts.RealCount));
        Assert.Equal(1, ta.FrozenCounts!.RealCount);          // frozen after run 1: run 2 does not re-score it
        Assert.Equal(0, ta.FrozenCounts.Counts.Sum() - 1);
        Assert.Equal(1, tb.FrozenCounts!.RealCount);          // first seen in run 2

        DetectionTestResult result = PhraseCanaryDetector.Score(evidence, "global");
        Assert.Equal(("phrase", "global", 2L, 3L), (result.Family, result.KeyId, result.N, result.Matches));
        Assert.True(result.PValue.PValue < 1e-3, $"p = {result.PValue.PValue}");
        Assert.Equal(1.0 / 198, result.DecoyHitRate!.Value, 1e-12);
        // Two frozen topics, each 1 − s + s·100 with s = 0.95.
        Assert.Equal(Math.Pow(0.05 + (0.95 * 100), 2), result.EValue, 1e-6);
    }

    [Fact]
    public void Topics_without_a_row_of_this_key_ring_are_not_scored()
    {
        var detector = new PhraseCanaryDetector(KeyRing);
        PhraseCanary a = Generator.Create("2026-11", "tls+handshake+certs", ["tls", "handshake", "certs"]);
        PhraseCanary foreign = new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.Generate())).Create("2026-11", "dns+cache+ttl", ["dns", "cache", "ttl"]);
        var evidence = detector.Collect([Run("r1", (a, a.Sentence), (foreign, foreign.Sentence))], [a.Record, foreign.Record]);
        Assert.Equal([a.Topic], evidence.Topics.Select(t => t.Topic));
    }
}
