using CanaryService.Core.Lineage;
using Xunit.Abstractions;

namespace CanaryService.Core.Tests.Lineage;

public sealed class LineageAnalyzerTests(ITestOutputHelper output)
{
    private static readonly LineageOptions Fast = new() { BootstrapReplicates = 100, VocabularySize = 2_000 };

    /// <summary>Four teachers with their own word preferences; a student trained on teacher-2's answers copies them with noise.</summary>
    [Fact]
    public void A_student_is_nearest_the_teacher_it_was_distilled_from()
    {
        var random = new Random(7);
        var panel = new SyntheticPanel(styleWords: 300);
        double[][] teachers = [.. Enumerable.Range(0, 4).Select(_ => panel.RandomPreferences(random, 1.0))];
        for (int t = 0; t < teachers.Length; t++)
        {
            panel.Add("teacher-" + t, teachers[t]);
        }

        panel.Add("student", SyntheticPanel.Copy(teachers[2], random, 0.7));
        panel.Add("independent", panel.RandomPreferences(random, 1.0));

        LineageCorpus corpus = LineageCorpus.Build(panel.Answer(150, random), Fast);
        LineageAnalysis analysis = LineageAnalyzer.Analyze(corpus, Fast);

        IReadOnlyList<LineageNeighbour> neighbours = analysis.NeighboursOf("student");
        Assert.Equal(5, neighbours.Count);
        Assert.Equal("teacher-2", neighbours[0].Model);
        Assert.Equal(150, neighbours[0].SharedPrompts);
        Assert.True(neighbours[0].Low > neighbours[1].High, $"The teacher's interval [{neighbours[0].Low}, {neighbours[0].High}] overlaps the runner-up's (high {neighbours[1].High}).");
        Assert.True(neighbours[0].Low <= neighbours[0].Similarity && neighbours[0].Similarity <= neighbours[0].High);
        Assert.Equal("student", analysis.NeighboursOf("teacher-2")[0].Model);
        // Unrelated models sit near or below 0: with a panel of six, two models measured against the same others are
        // slightly anti-correlated (what one over-uses, the panel holding the other over-uses less).
        foreach (LineageNeighbour other in neighbours.Skip(1))
        {
            Assert.InRange(other.Similarity, -0.6, 0.3);
        }

        // The words that drive the pair are style words both over-use, never the prompts' topic words.
        LineagePair pair = analysis.Pair("teacher-2", "student")!;
        Assert.Equal(Fast.DriverCount, pair.Drivers.Count);
        Assert.All(pair.Drivers, d => Assert.StartsWith("s", d, StringComparison.Ordinal));
        Assert.Same(pair, analysis.Pair("student", "teacher-2"));

        LineageTree tree = LineageClustering.AverageLinkage(analysis);
        Assert.Equal(5, tree.Merges.Count);
        LineageMerge first = tree.Merges[0];
        Assert.Equal(["student", "teacher-2"], new[] { tree.Models[first.Left], tree.Models[first.Right] }.Order(StringComparer.Ordinal));
        Assert.Equal(6, tree.LeafOrder.Distinct().Count());
    }

    /// <summary>
    /// The population similarity of each pair is the analysis on 6,000 prompts; 40 fresh samples of 150 prompts each
    /// give 95 % intervals, and about 95 % of the 600 intervals (15 pairs × 40) must cover it.
    /// </summary>
    [Trait("Category", "Simulation")]
    [Fact]
    public void Bootstrap_intervals_cover_the_population_similarity_at_about_the_nominal_rate()
    {
        var random = new Random(11);
        var panel = new SyntheticPanel(styleWords: 200);
        double[] a = panel.RandomPreferences(random, 0.8);
        panel.Add("a", a);
        panel.Add("a-close", SyntheticPanel.Copy(a, random, 0.4));
        panel.Add("a-far", SyntheticPanel.Copy(a, random, 0.7));
        for (int i = 0; i < 3; i++)
        {
            panel.Add("other-" + i, panel.RandomPreferences(random, 0.8));
        }

        var options = new LineageOptions { BootstrapReplicates = 200, VocabularySize = 1_000, Seed = 5 };

        LineageAnalysis population = LineageAnalyzer.Analyze(LineageCorpus.Build(panel.Answer(6_000, random), options with { BootstrapReplicates = 0 }), options with { BootstrapReplicates = 0 });
        string truths = string.Join(", ", population.Pairs.Select(p => $"{p.ModelA}~{p.ModelB} {p.Similarity:0.000}"));
        Assert.True(population.Pair("a", "a-close")!.Similarity > population.Pair("a", "a-far")!.Similarity, truths);
        Assert.True(population.Pair("a", "a-far")!.Similarity > population.Pair("a", "other-0")!.Similarity + 0.2, truths);

        int covered = 0, total = 0;
        Dictionary<string, (double Bias, int Below, int Above)> diag = [];
        double width = 0;
        for (int sample = 0; sample < 40; sample++)
        {
            LineageAnalysis analysis = LineageAnalyzer.Analyze(LineageCorpus.Build(panel.Answer(150, random), options), options with { Seed = sample });
            foreach (LineagePair pair in analysis.Pairs)
            {
                double truth = population.Pair(pair.ModelA, pair.ModelB)!.Similarity;
                covered += pair.Low <= truth && truth <= pair.High ? 1 : 0;
                string key = pair.ModelA + "~" + pair.ModelB;
                (double Bias, int Below, int Above) d = diag.GetValueOrDefault(key);
                diag[key] = (d.Bias + ((pair.Similarity - truth) / 40), d.Below + (truth < pair.Low ? 1 : 0), d.Above + (truth > pair.High ? 1 : 0));
                width += pair.High - pair.Low;
                total++;
            }
        }

        double coverage = (double)covered / total;
        output.WriteLine($"Coverage {coverage:P1} of {total} intervals, mean width {width / total:0.000}");
        Assert.Equal(600, total);
        Assert.True(coverage is >= 0.90 and <= 0.99, $"Coverage {coverage:P1} of {total} intervals (mean width {width / total:0.000}). {truths} " + string.Join("; ", diag.Select(kv => $"{kv.Key} bias {kv.Value.Bias:0.000} below {kv.Value.Below} above {kv.Value.Above}")));
    }

    [Fact]
    public void Pairs_with_too_few_shared_prompts_are_not_compared_and_seeds_reproduce()
    {
        var random = new Random(3);
        var panel = new SyntheticPanel(styleWords: 100);
        panel.Add("x", panel.RandomPreferences(random, 1));
        panel.Add("y", panel.RandomPreferences(random, 1));
        List<LineageSample> samples = panel.Answer(60, random);
        samples.AddRange(panel.Answer(5, random).Select(s => s with { Model = "z-" + s.Model }));
        var options = new LineageOptions { BootstrapReplicates = 30, VocabularySize = 500 };
        LineageCorpus corpus = LineageCorpus.Build(samples, options);

        LineageAnalysis first = LineageAnalyzer.Analyze(corpus, options);
        LineagePair pair = Assert.Single(first.Pairs);
        Assert.Equal(("x", "y", 60), (pair.ModelA, pair.ModelB, pair.SharedPrompts));
        Assert.Empty(first.NeighboursOf("z-x"));
        Assert.Equal(5, corpus.SampleCount("z-x"));
        Assert.Equal(0, corpus.SampleCount("nobody"));

        LineagePair again = Assert.Single(LineageAnalyzer.Analyze(corpus, options).Pairs);
        Assert.Equal((pair.Similarity, pair.Low, pair.High), (again.Similarity, again.Low, again.High));
    }

    [Fact]
    public void A_repeated_answer_replaces_the_earlier_one()
    {
        LineageSample[] samples =
        [
            new("m", "p", "alpha beta"),
            new("m", "p", "gamma delta"),
        ];
        LineageCorpus corpus = LineageCorpus.Build(samples, new LineageOptions { MinimumAnswers = 1 });
        Assert.Equal(1, corpus.SampleCount("m"));
        Assert.DoesNotContain("alpha", corpus.Features);
        Assert.Contains("gamma delta", corpus.Features);
    }
}
