using CanaryService.Core.Lineage;

namespace CanaryService.Core.Tests.Lineage;

public sealed class LineagePromptSetTests
{
    [Fact]
    public void The_shipped_set_loads_with_at_least_300_distinct_non_empty_prompts()
    {
        LineagePromptSet set = LineagePromptSet.Default;
        Assert.True(set.Count >= 300, $"only {set.Count} lineage prompts");
        Assert.All(set.Prompts, p => Assert.False(string.IsNullOrWhiteSpace(p)));
        Assert.All(set.Prompts, p => Assert.Equal(p.Trim(), p));
        Assert.All(set.Prompts, p => Assert.False(p.StartsWith('#'), p));
        Assert.Equal(set.Count, set.Prompts.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void The_shipped_set_is_varied_not_one_template()
    {
        // Varied instructions, not one template filled in: many different two-word openings ("Explain why", "Write a",
        // "How do"...), none behind more than 15 % of the set.
        int count = LineagePromptSet.Default.Count;
        IGrouping<string, string>[] openings = [.. LineagePromptSet.Default.Prompts.GroupBy(p => string.Join(' ', p.Split(' ').Take(2)), StringComparer.OrdinalIgnoreCase)];
        Assert.True(openings.Length >= 60, $"{openings.Length} distinct openings");
        Assert.All(openings, g => Assert.True(g.Count() <= count * 0.15, $"'{g.Key}' opens {g.Count()} of {count} prompts"));
    }

    [Fact]
    public void Parse_skips_comments_and_blank_lines_and_refuses_repeats()
    {
        LineagePromptSet set = LineagePromptSet.Parse("# heading\n\nFirst prompt.\r\n  Second prompt.  \n#another\n");
        Assert.Equal(["First prompt.", "Second prompt."], set.Prompts);
        Assert.Throws<ArgumentException>(() => LineagePromptSet.Parse("Same.\nSame.\n"));
        Assert.Throws<ArgumentException>(() => new LineagePromptSet(["ok", " "]));
    }

    [Fact]
    public void Successive_batches_cover_every_prompt_before_any_is_repeated()
    {
        LineagePromptSet set = LineagePromptSet.Parse(string.Join('\n', Enumerable.Range(0, 7).Select(i => "prompt " + i)));
        List<int> asked = [];
        long position = 0;
        for (int tick = 0; tick < 3; tick++)
        {
            IReadOnlyList<int> batch = set.Batch(position, 3);
            asked.AddRange(batch);
            position += batch.Count;
        }

        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 0, 1], asked);
        Assert.Equal([5, 6, 0], set.Batch(12, 3));
        Assert.Equal(7, set.Batch(0, 100).Count);
        Assert.Empty(new LineagePromptSet([]).Batch(4, 3));
    }
}
