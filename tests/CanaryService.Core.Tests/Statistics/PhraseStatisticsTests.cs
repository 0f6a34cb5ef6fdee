using CanaryService.Core.Statistics;
using Xunit.Abstractions;

namespace CanaryService.Core.Tests.Statistics;

public sealed class PhraseStatisticsTests(ITestOutputHelper output)
{
    private const int Draws = 2_000;

    [Fact]
    public void Permutation_p_value_equals_brute_force_enumeration()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 100; trial++)
        {
            int topics = random.Next(1, 4);
            var list = Enumerable.Range(0, topics)
                .Select(_ => new TopicCandidateCounts(Enumerable.Range(0, 4).Select(_ => random.Next(0, 4)).ToArray(), random.Next(0, 4)))
                .ToArray();
            long observed = list.Sum(t => t.RealCount);

            int combinations = 1 << (2 * topics), atLeast = 0;
            for (int c = 0; c < combinations; c++)
            {
                long sum = 0;
                for (int t = 0; t < topics; t++)
                {
                    sum += list[t].Counts[(c >> (2 * t)) & 3];
                }

                atLeast += sum >= observed ? 1 : 0;
            }

            Assert.Equal((double)atLeast / combinations, PhrasePermutationTest.Run(list).PValue.PValue, 1e-12);
        }
    }

    [Fact]
    public void Result_reports_hits_and_the_decoy_false_hit_rate()
    {
        var result = PhrasePermutationTest.Run(
        [
            new TopicCandidateCounts([0, 3, 0, 0], 1),
            new TopicCandidateCounts([1, 0, 0, 2], 3),
        ]);
        Assert.Equal(2, result.Topics);
        Assert.Equal(5, result.RealHits);
        Assert.Equal(1, result.DecoyHits);
        Assert.Equal(1.0 / 6, result.DecoyHitRate, 1e-12);
        Assert.Equal((1.0 / 4) * (1.0 / 4), result.PValue.PValue, 1e-12);   // needs 3 from topic 1 and 2 from topic 2
    }

    [Fact]
    public void Null_false_positive_rates_hold_for_a_few_draws_of_a_competitor_with_phrase_habits_of_its_own() => HabitsHoldTheRate(draws: 200);

    [Fact]
    [Trait("Category", "Simulation")]
    public void Null_false_positive_rates_hold_for_a_competitor_with_phrase_habits_of_its_own() => HabitsHoldTheRate(Draws);

    // The bound is the largest count consistent with a rate of 1 % over that many draws: the fast run's 200 check the
    // same rate, less sharply, as the simulation's 2,000.
    private void HabitsHoldTheRate(int draws)
    {
        // The competitor says some candidate-like phrases often (its own habits), independent of our secret pick.
        var random = new Random(17);
        int pHits = 0, eHits = 0;
        for (int draw = 0; draw < draws; draw++)
        {
            var e = new PermutationEValue();
            var topics = new List<TopicCandidateCounts>();
            for (int t = 0; t < 30; t++)
            {
                var counts = new int[100];
                if (random.NextDouble() < 0.5)
                {
                    counts[random.Next(100)] = random.Next(1, 8);
                }

                if (random.NextDouble() < 0.2)
                {
                    counts[random.Next(100)] += 1;
                }

                var topic = new TopicCandidateCounts(counts, random.Next(100));
                topics.Add(topic);
                e.Add(topic);
            }

            pHits += PhrasePermutationTest.Run(topics).PValue.PValue <= 0.01 ? 1 : 0;
            eHits += e.Value >= 100 ? 1 : 0;
        }

        int bound = SamplingBound.MaxConsistentCount(draws, 0.01);
        output.WriteLine($"phrase null: p ≤ 0.01 in {pHits}/{draws}, e ≥ 100 in {eHits}/{draws} (bound {bound})");
        Assert.True(pHits <= bound, $"p ≤ 0.01 in {pHits}/{draws} (bound {bound})");
        Assert.True(eHits <= bound, $"e ≥ 100 in {eHits}/{draws} (bound {bound})");
    }

    [Fact]
    public void Each_topic_factor_has_null_mean_exactly_one()
    {
        int[] counts = [0, 5, 1, 0, 2, 0, 0, 9];
        double mean = Enumerable.Range(0, counts.Length).Average(i => PermutationEValue.Factor(new TopicCandidateCounts(counts, i)));
        Assert.Equal(1.0, mean, 1e-12);
        Assert.Equal(1.0, PermutationEValue.Factor(new TopicCandidateCounts(new int[100], 42)));
    }

    [Fact]
    public void A_competitor_repeating_the_real_canary_on_a_few_topics_is_detected()
    {
        var topics = new List<TopicCandidateCounts>();
        var e = new PermutationEValue();
        for (int t = 0; t < 20; t++)
        {
            var counts = new int[100];
            int real = (t * 37) % 100;
            counts[real] = t % 4 == 0 ? 2 : 0;    // repeated on 5 of 20 topics
            counts[(real + 1) % 100] += t == 3 ? 1 : 0;   // one fuzzy false hit on a decoy
            var topic = new TopicCandidateCounts(counts, real);
            topics.Add(topic);
            e.Add(topic);
        }

        Assert.True(PhrasePermutationTest.Run(topics).PValue.PValue < 1e-8);
        Assert.True(e.Value > 1e6, $"e = {e.Value}");
    }

    [Fact]
    public void Holm_rejects_step_down_and_stops_at_the_first_failure()
    {
        double[] p = [0.01, 0.04, 0.03, 0.005];
        Assert.Equal([true, false, false, true], HolmCorrection.Reject(p, 0.05));
        Assert.Equal([true, true, true, true], HolmCorrection.Reject([0.01, 0.015, 0.02, 0.04], 0.05));
        Assert.Empty(HolmCorrection.Reject([], 0.05));
        Assert.Throws<ArgumentOutOfRangeException>("alpha", () => HolmCorrection.Reject(p, 0));
    }

    [Fact]
    public void E_values_convert_to_valid_p_values()
    {
        Assert.Equal(1.0, EValue.ToPValue(0.5));
        Assert.Equal(0.01, EValue.ToPValue(100), 1e-15);
        Assert.Equal(TailProbability.Floor, EValue.ToPValue(double.PositiveInfinity));
        Assert.Equal(EValue.Ceiling, EValue.FromLog(1e6));
    }
}
