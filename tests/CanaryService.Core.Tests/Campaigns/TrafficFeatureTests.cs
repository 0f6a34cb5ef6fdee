using CanaryService.Core.Campaigns;

namespace CanaryService.Core.Tests.Campaigns;

public sealed class TrafficFeatureTests
{
    [Theory]
    [InlineData("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789WXYZ", "sk-…WXYZ")]
    [InlineData("sk-abcdefghijklmnopqrstuvwxyzabcd", "sk-…abcd")]
    [InlineData("0123456789abcdef0123456789abcdef", "…cdef")]
    [InlineData("  sk-abcdefghijklmnopqrstuvwxyzabcd  ", "sk-…abcd")]
    [InlineData("short-key", "…")]
    [InlineData("sk-abcdefghijklmnopqrstuvwxyzab\"c", "sk-…")]
    public void A_key_hint_shows_the_type_prefix_and_last_four_characters_never_more(string key, string hint)
    {
        Assert.Equal(hint, KeyHint.Of(key));
    }

    [Theory]
    [InlineData("203.0.113.77", "203.0.113.0/24")]
    [InlineData("203.0.113.77, 10.0.0.1", "203.0.113.0/24")]
    [InlineData("203.0.113.77:51234", "203.0.113.0/24")]
    [InlineData("::ffff:198.51.100.9", "198.51.100.0/24")]
    [InlineData("2001:db8:abcd:12:34::1", "2001:db8:abcd::/48")]
    [InlineData("[2001:db8:abcd:12::1]:443", "2001:db8:abcd::/48")]
    [InlineData("not an address", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Only_the_prefix_of_the_first_forwarded_address_is_kept(string? header, string? prefix)
    {
        Assert.Equal(prefix, ClientAddressPrefix.Of(header));
    }

    [Fact]
    public void Instances_of_one_template_share_signatures_and_unrelated_prompts_do_not()
    {
        var shape = new PromptShape(new byte[32]);
        var random = new Random(5);
        string Fill() => string.Join(' ', Enumerable.Range(0, random.Next(5, 25)).Select(_ => "w" + random.Next(100_000)));
        PromptShapeFeatures[] templated = [.. Enumerable.Range(0, 200).Select(_ =>
            shape.Reduce($"You are an expert. Solve the following problem step by step and show your reasoning.\nProblem: {Fill()}\nAnswer format: numbered steps."))];
        PromptShapeFeatures[] unrelated = [.. Enumerable.Range(0, 200).Select(_ => shape.Reduce(Fill() + "?"))];

        // Every instance carries the template's prefix and suffix signatures.
        ulong prefix = templated[0].TemplateKeys[0];
        ulong suffix = templated[0].TemplateKeys[1];
        Assert.All(templated, t => Assert.Equal(prefix, t.TemplateKeys[0]));
        Assert.All(templated, t => Assert.Equal(suffix, t.TemplateKeys[1]));
        Assert.All(templated, t => Assert.True(t.ReasoningEliciting));

        // Unrelated prompts share no signature with the template and hardly any among themselves.
        HashSet<ulong> templateKeys = [.. templated.SelectMany(t => t.TemplateKeys)];
        Assert.DoesNotContain(unrelated.SelectMany(u => u.TemplateKeys), templateKeys.Contains);
        int mostShared = unrelated.SelectMany(u => u.TemplateKeys.Distinct()).GroupBy(k => k).Max(g => g.Count());
        Assert.True(mostShared <= 4, $"an unrelated signature recurs {mostShared} times in 200 prompts");
        Assert.DoesNotContain(unrelated, u => u.ReasoningEliciting);

        // Distinct prompts hash apart; the same prompt, whatever its case, hashes alike.
        Assert.Equal(200, templated.Select(t => t.PromptHash).Distinct().Count());
        Assert.Equal(shape.Reduce("Hello World").PromptHash, shape.Reduce("hello world").PromptHash);
    }

    [Fact]
    public void Signatures_depend_on_the_key_so_stored_hashes_cannot_be_matched_without_it()
    {
        PromptShapeFeatures one = new PromptShape(new byte[32]).Reduce("What is the capital of France?");
        PromptShapeFeatures other = new PromptShape(Enumerable.Repeat((byte)7, 32).ToArray()).Reduce("What is the capital of France?");

        Assert.NotEqual(one.PromptHash, other.PromptHash);
        Assert.Empty(one.TemplateKeys.Intersect(other.TemplateKeys));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(1_000)]
    [InlineData(100_000)]
    public void The_distinct_sketch_counts_exactly_when_small_and_within_a_few_tenths_when_large(int distinct)
    {
        var random = new Random(distinct);
        var sketch = new DistinctSketch();
        var split = new DistinctSketch();
        for (int i = 0; i < distinct; i++)
        {
            ulong hash = (ulong)random.NextInt64() * 2 + 1;
            sketch.Add(hash);
            sketch.Add(hash); // repeats do not count
            (i % 2 == 0 ? split : sketch).Add(hash);
        }

        if (distinct < DistinctSketch.Size)
        {
            Assert.Equal(distinct, sketch.Estimate);
        }
        else
        {
            Assert.InRange(sketch.Estimate, distinct * 0.6, distinct * 1.4);
        }

        // The union of two sketches is the sketch of the union.
        var merged = new DistinctSketch();
        merged.Merge(split.Values);
        merged.Merge(sketch.Values);
        Assert.Equal(sketch.Values, merged.Values);
        Assert.True(sketch.Values.Count <= DistinctSketch.Size);
    }

    [Theory]
    [InlineData("Solve this STEP BY STEP please", true)]
    [InlineData("Let's Think about it: 2 + 2?", true)]
    [InlineData("Could you walk me through the proof?", true)]
    [InlineData("prove that x is even", true)]
    [InlineData("Derive the formula", true)]
    [InlineData("What is the capital of France?", false)]
    [InlineData("step by", false)]
    [InlineData("", false)]
    public void A_prompt_asks_for_reasoning_when_it_holds_a_cue_in_any_case(string prompt, bool expected)
    {
        Assert.Equal(expected, PromptShape.IsReasoningEliciting(prompt));
    }

    [Fact]
    public void The_windows_template_counts_take_each_signature_of_a_prompt_once()
    {
        var window = new AccountTrafficWindow("acct");
        var observation = new CanaryService.Core.Campaigns.TrafficObservation("acct", DateTimeOffset.UnixEpoch, "p", 1, 0, 0, null, null, null);
        window.Add(observation, new PromptShapeFeatures(1, [7, 8, 7, 9, 8], false));
        window.Add(observation, new PromptShapeFeatures(2, [7], false));

        Assert.Equal(2, window.Templates.Counts[7]);
        Assert.Equal(1, window.Templates.Counts[8]);
        Assert.Equal(1, window.Templates.Counts[9]);
    }

    [Fact]
    public void Top_counts_hold_every_key_above_one_in_capacity_of_the_stream()
    {
        var top = new TopCounts<int>(8);
        var random = new Random(3);
        for (int i = 0; i < 10_000; i++)
        {
            // Key 1 is 30 % of the stream, key 2 is 15 %, the rest is noise over 5,000 keys.
            double u = random.NextDouble();
            top.Add(u < 0.3 ? 1 : u < 0.45 ? 2 : 100 + random.Next(5000));
        }

        Assert.Equal(8, top.Counts.Count);
        Assert.InRange(top.Counts[1], 2900, 3100 + 10_000 / 8);
        Assert.InRange(top.Counts[2], 1400, 1600 + 10_000 / 8);
        Assert.Equal(top.Counts[1], top.MaxCount);
    }

    [Fact]
    public void The_hour_spread_is_one_round_the_clock_and_zero_at_one_hour()
    {
        Assert.Equal(1, ExtractionMonitor.HourSpread([.. Enumerable.Repeat(5L, 24)]), 9);
        long[] oneHour = new long[24];
        oneHour[14] = 40;
        Assert.Equal(0, ExtractionMonitor.HourSpread(oneHour), 9);
        Assert.Equal(0, ExtractionMonitor.HourSpread(new long[24]));
    }
}
