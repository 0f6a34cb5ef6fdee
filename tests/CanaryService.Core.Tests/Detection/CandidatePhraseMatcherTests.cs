using CanaryService.Core.Detection;

namespace CanaryService.Core.Tests.Detection;

public sealed class CandidatePhraseMatcherTests
{
    [Theory]
    [InlineData("The Copper-Lantern  Rule.", "the copper lantern rule")]
    [InlineData("  “copper—lantern”\n\trule ", "copper lantern rule")]
    [InlineData("", "")]
    [InlineData("--- !!", "")]
    public void Normalize_folds_case_punctuation_hyphens_and_spacing(string input, string expected) =>
        Assert.Equal(expected, CandidatePhraseMatcher.Normalize(input));

    [Theory]
    [InlineData("remember it by the copper lantern rule when you deploy", true)]     // exact
    [InlineData("remember it by the coper lantern rule when you deploy", true)]      // one deletion
    [InlineData("remember it by the copper lanterns rule when you deploy", true)]    // one insertion
    [InlineData("remember it by the copper lantirn rule when you deploy", true)]     // one substitution
    [InlineData("the copper lantern rul", true)]                                     // truncated by one at the end
    [InlineData("remember it by the coper lantirn rule when you deploy", false)]     // two edits
    [InlineData("remember it by the silver lantern rule when you deploy", false)]    // another slot word
    [InlineData("", false)]
    public void Tolerates_exactly_one_edit(string text, bool expected) =>
        Assert.Equal(expected, CandidatePhraseMatcher.ContainsWithinOneEdit(text, "the copper lantern rule"));

    [Fact]
    public void Counts_each_candidate_once_per_answer()
    {
        var matcher = new CandidatePhraseMatcher(["the copper-lantern rule", "the silver-kettle rule", "the amber-compass rule"]);
        var counts = new int[3];
        matcher.CountIn("Use the Copper Lantern rule. Again: the copper-lantern rule!", counts);
        matcher.CountIn("Nothing here about rules or kettles.", counts);
        matcher.CountIn("Think of the silver kettle rule, or the coper-lantern rule.", counts);
        Assert.Equal([2, 1, 0], counts);
    }

    [Fact]
    public void Long_answers_and_odd_text_do_not_throw()
    {
        var matcher = new CandidatePhraseMatcher(["the copper-lantern rule"]);
        var counts = new int[1];
        string huge = string.Concat(Enumerable.Repeat("the copper lant \uD800 ern ру́сский 数据 ", 20_000)) + "the copper lantern rule";
        matcher.CountIn(huge, counts);
        Assert.Equal(1, counts[0]);
        Assert.Throws<ArgumentOutOfRangeException>("counts", () => matcher.CountIn("x", Span<int>.Empty));
    }
}
