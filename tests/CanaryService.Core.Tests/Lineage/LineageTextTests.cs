using CanaryService.Core.Lineage;

namespace CanaryService.Core.Tests.Lineage;

public sealed class LineageTextTests
{
    private static List<string> Grams(string text)
    {
        List<string> grams = [];
        LineageText.ForEachNGram(text, grams.Add);
        return grams;
    }

    [Fact]
    public void Words_are_lower_cased_and_2_grams_stay_within_a_clause()
    {
        List<string> grams = Grams("Certainly! Here is the Plan, step by step.");
        Assert.Equal(["certainly", "here", "is", "here is", "the", "is the", "plan", "the plan", "step", "by", "step by", "step", "by step"], grams);
        Assert.DoesNotContain("certainly here", grams);
        Assert.DoesNotContain("plan step", grams);
    }

    [Fact]
    public void Code_urls_numbers_and_markdown_are_not_prose()
    {
        const string Answer = "## Setup\n\n**Install** the `numpy` package from https://example.org/x?y=1 in 3 steps:\n\n" +
            "```python\nimport numpy as np\nprint(np.zeros(3))\n```\n\n- Then [read the docs](https://numpy.org) carefully\n1. Done";
        List<string> grams = Grams(Answer);
        Assert.DoesNotContain(grams, g => g.Contains("numpy", StringComparison.Ordinal) || g.Contains("import", StringComparison.Ordinal)
            || g.Contains("example", StringComparison.Ordinal) || g.Contains("python", StringComparison.Ordinal));
        Assert.Contains("install the", grams);
        Assert.Contains("read the", grams);
        Assert.Contains("then read", grams);
        Assert.DoesNotContain("setup install", grams);
        Assert.DoesNotContain("carefully done", grams);
        Assert.Equal(["setup", "install", "the", "install the", "package", "from", "package from", "in", "steps"], grams.Take(9));
    }

    [Fact]
    public void Apostrophes_inside_words_are_kept_and_curly_ones_normalised()
    {
        Assert.Equal(["it's", "here", "it's here"], Grams("It’s here"));
        Assert.Equal(["don't", "go"], Grams("'don't' (go)"));
    }
}
