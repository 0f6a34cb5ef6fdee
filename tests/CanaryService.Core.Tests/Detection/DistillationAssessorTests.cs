using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;

namespace CanaryService.Core.Tests.Detection;

public sealed class DistillationAssessorTests
{
    private static readonly CanaryKeyRing KeyRing = new(MasterKey.Generate());

    [Fact]
    public void Odd_answers_never_throw_and_an_empty_history_is_not_detected()
    {
        var assessor = new DistillationAssessor(KeyRing);
        PhraseCanary canary = new PhraseCanaryGenerator(KeyRing).Create("2026-11", "a+b+c", ["a", "b", "c"]);
        string huge = string.Concat(Enumerable.Repeat("It usually works, and \uD800 données 数据 `code` https://x.y/z 42. ", 120_000));
        var exchanges = new[]
        {
            new ProbeExchange("topic", canary.Epoch, canary.Topic, "prompt", null, "timeout", DateTimeOffset.UnixEpoch),
            new ProbeExchange("topic", canary.Epoch, canary.Topic, "", "", null, DateTimeOffset.UnixEpoch),
            new ProbeExchange("topic", canary.Epoch, "unknown-topic", "prompt", "the copper-lantern rule", null, DateTimeOffset.UnixEpoch),
            new ProbeExchange("open", null, null, "prompt", huge, null, DateTimeOffset.UnixEpoch),
            new ProbeExchange("open", null, null, "prompt", "\uDC00\uD800 {\"json\": true}", null, DateTimeOffset.UnixEpoch),
        };
        var accounts = new[] { new AccountIssuance("key-a", 1_000, new Dictionary<(string, string), long> { [("2026-11", "a+b+c")] = 1 }) };

        DistillationAssessment assessment = assessor.Assess([new Transcript("acme", "r1", DateTimeOffset.UnixEpoch, exchanges)], [canary.Record], accounts);
        Assert.Equal(DetectionVerdicts.NotDetected, assessment.Verdict);
        Assert.Equal(["global", "global", "account:key-a", "account:key-a"], assessment.Tests.Select(t => t.KeyId));
        Assert.All(assessment.Tests, t => Assert.InRange(t.PValue.PValue, 1e-300, 1.0));

        DistillationAssessment empty = assessor.Assess([], [], []);
        Assert.Equal([(1.0, 1.0), (1.0, 1.0)], empty.Tests.Select(t => (t.PValue.PValue, t.EValue)));
        Assert.Null(empty.AttributedAccount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(double.NaN)]
    public void Alpha_out_of_range_is_refused_up_front(double alpha) =>
        Assert.Throws<ArgumentOutOfRangeException>("Alpha", () => new DistillationAssessor(KeyRing, new DetectionOptions { Alpha = alpha }));

    [Fact]
    public void Attribution_candidates_are_the_highest_volume_accounts_above_the_threshold()
    {
        var options = new DetectionOptions { AttributionMinimumResponses = 10, AttributionMaximumAccounts = 2 };
        var accounts = new[] { ("small", 9L), ("mid", 50L), ("big", 500L), ("bigger", 900L), ("big", 500L) }
            .Select(a => new AccountIssuance(a.Item1, a.Item2, new Dictionary<(string, string), long>()))
            .ToArray();
        DistillationAssessment assessment = new DistillationAssessor(KeyRing, options).Assess([], [], accounts);
        Assert.Equal(["global", "global", "account:bigger", "account:big"], assessment.Tests.Select(t => t.KeyId));
    }
}
