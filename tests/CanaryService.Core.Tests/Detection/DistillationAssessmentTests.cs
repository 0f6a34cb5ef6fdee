using CanaryService.Core.Detection;
using CanaryService.Core.Statistics;

namespace CanaryService.Core.Tests.Detection;

public sealed class DistillationAssessmentTests
{
    private static DetectionTestResult Test(string family, string key, double e) =>
        new(family, key, 1000, 400, new TailProbability(1e-9, TailMethod.Exact), e, Significant: false);

    [Fact]
    public void Holm_over_e_values_decides_each_test_and_the_strongest_significant_account_is_attributed()
    {
        var assessment = DistillationAssessment.Decide(
        [
            Test(DetectionFamilies.Lexical, "global", 1e12),
            Test(DetectionFamilies.Phrase, "global", 50),
            Test(DetectionFamilies.Lexical, "account:key-a", 1e9),
            Test(DetectionFamilies.Lexical, "account:key-b", 1e15),
            Test(DetectionFamilies.Lexical, "account:key-c", 1.5e6), // 1/E ≈ 6.7e-7 > α/(m−k) = 1e-6/2: not significant
        ], alpha: 1e-6);

        Assert.Equal([true, false, true, true, false], assessment.Tests.Select(t => t.Significant));
        Assert.Equal(DetectionVerdicts.Distilled, assessment.Verdict);
        Assert.Equal("key-b", assessment.AttributedAccount);

        var drafts = assessment.ToEvidenceDrafts("acme", "run-1", "abc", DateTimeOffset.UnixEpoch);
        Assert.Equal(5, drafts.Count);
        Assert.All(drafts, d => Assert.Equal("key-b", d.AttributedAccount));
        Assert.Equal(("lexical", "account:key-a", "distilled", 1e9), (drafts[2].Family, drafts[2].KeyId, drafts[2].Verdict, drafts[2].EValue));
        Assert.Equal(("phrase", "not-detected", 1e-9), (drafts[1].Family, drafts[1].Verdict, drafts[1].PValue));
    }

    [Fact]
    public void Nothing_significant_means_not_detected_and_no_attribution()
    {
        var assessment = DistillationAssessment.Decide([Test(DetectionFamilies.Lexical, "global", 3), Test(DetectionFamilies.Lexical, "account:x", 1e5)], 1e-6);
        Assert.Equal(DetectionVerdicts.NotDetected, assessment.Verdict);
        Assert.Null(assessment.AttributedAccount);
        Assert.All(assessment.Tests, t => Assert.False(t.Significant));
    }
}
