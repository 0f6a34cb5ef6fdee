using CanaryService.Core.Statistics;
using Xunit.Abstractions;

namespace CanaryService.Core.Tests.Statistics;

/// <summary>
/// The lexical statistics under the null they are built on: independent Bernoulli(1/|g|) matches, as produced by a
/// random key on any fixed text. 2,000 draws per case; the false-positive count must stay within the one-sided
/// 0.999 sampling bound of a 1 % rate.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class LexicalCalibrationSimulationTests(ITestOutputHelper output)
{
    private const int Draws = 2_000;

    [Theory]
    [InlineData(60, false)]      // exact
    [InlineData(800, false)]     // exact
    [InlineData(6_000, true)]    // the Chernoff bound (what the exact tail gives way to past its cell budget)
    public void Null_false_positive_rates_hold_at_one_percent(int contexts, bool chernoff)
    {
        var random = new Random(contexts);
        int pHits = 0, eHits = 0;
        var p = new double[contexts];
        for (int draw = 0; draw < Draws; draw++)
        {
            var e = new KeyedShareEValue();
            int matches = 0;
            for (int j = 0; j < contexts; j++)
            {
                p[j] = 1.0 / random.Next(2, 6);
                bool match = random.NextDouble() < p[j];
                matches += match ? 1 : 0;
                e.Add(match, p[j]);
            }

            pHits += Tail(p, matches, chernoff) <= 0.01 ? 1 : 0;
            eHits += e.Value >= 100 ? 1 : 0;
        }

        int bound = SamplingBound.MaxConsistentCount(Draws, 0.01);
        output.WriteLine($"n={contexts}: p ≤ 0.01 in {pHits}/{Draws}, e ≥ 100 in {eHits}/{Draws} (bound {bound})");
        Assert.True(pHits <= bound, $"p ≤ 0.01 in {pHits}/{Draws} null draws (bound {bound})");
        Assert.True(eHits <= bound, $"e ≥ 100 in {eHits}/{Draws} null draws (bound {bound})");
    }

    [Fact]
    public void E_value_stays_valid_when_watched_continuously()
    {
        // Ville: the chance that the e-value *ever* reaches 100 along the stream is ≤ 1 %, not just at the end.
        var random = new Random(99);
        int everHits = 0;
        for (int draw = 0; draw < Draws; draw++)
        {
            var e = new KeyedShareEValue();
            for (int j = 0; j < 1_000; j++)
            {
                double p = 1.0 / random.Next(2, 5);
                e.Add(random.NextDouble() < p, p);
                if (e.Value >= 100)
                {
                    everHits++;
                    break;
                }
            }
        }

        int bound = SamplingBound.MaxConsistentCount(Draws, 0.01);
        output.WriteLine($"e ever ≥ 100 in {everHits}/{Draws} null streams of 1,000 (bound {bound})");
        Assert.True(everHits <= bound, $"e ever ≥ 100 in {everHits}/{Draws} null streams (bound {bound})");
    }

    [Theory]
    [InlineData(0.3, 1_000)]
    [InlineData(0.1, 8_000)]
    public void A_model_that_copies_the_keyed_form_at_some_rate_is_detected(double copyRate, int contexts)
    {
        var random = new Random(7);
        var p = new double[contexts];
        var e = new KeyedShareEValue();
        int matches = 0;
        for (int j = 0; j < contexts; j++)
        {
            p[j] = 1.0 / random.Next(2, 6);
            bool match = random.NextDouble() < copyRate || random.NextDouble() < p[j];
            matches += match ? 1 : 0;
            e.Add(match, p[j]);
        }

        Assert.True(Tail(p, matches, chernoff: false) < 1e-6);
        Assert.True(e.Value > 1e6, $"e = {e.Value}");
        Assert.InRange(e.CurrentCopyRate, copyRate / 2, copyRate * 1.5);
    }

    [Fact]
    public void E_value_rejects_probabilities_outside_the_open_unit_interval()
    {
        var e = new KeyedShareEValue();
        Assert.Throws<ArgumentOutOfRangeException>("nullProbability", () => e.Add(true, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>("nullProbability", () => e.Add(true, 0));
        Assert.Equal(0, e.Trials);
    }

    private static double Tail(double[] probabilities, int matches, bool chernoff)
    {
        var sum = new LatticeSum();
        foreach (double p in probabilities)
        {
            sum.AddBernoulli(p);
        }

        return (chernoff ? sum.ChernoffUpperTail(matches) : sum.UpperTail(matches)).PValue;
    }
}
