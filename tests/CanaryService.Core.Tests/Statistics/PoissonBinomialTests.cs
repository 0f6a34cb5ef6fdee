using CanaryService.Core.Statistics;

namespace CanaryService.Core.Tests.Statistics;

public sealed class PoissonBinomialTests
{
    [Fact]
    public void Exact_tail_equals_brute_force_enumeration()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = random.Next(1, 13);
            var p = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
            int s = random.Next(0, n + 1);
            double expected = 0;
            for (int mask = 0; mask < 1 << n; mask++)
            {
                double probability = 1;
                for (int j = 0; j < n; j++)
                {
                    probability *= (mask >> j & 1) == 1 ? p[j] : 1 - p[j];
                }

                expected += System.Numerics.BitOperations.PopCount((uint)mask) >= s ? probability : 0;
            }

            TailProbability actual = PoissonBinomial.ExactUpperTail(p, s);
            Assert.Equal(Math.Max(expected, TailProbability.Floor), actual.PValue, 1e-12);
            Assert.Equal(TailMethod.Exact, actual.Method);
        }
    }

    [Theory]
    [InlineData(100, 0.5, 60)]
    [InlineData(400, 1.0 / 3, 200)]
    [InlineData(900, 0.25, 300)]
    public void Exact_tail_with_equal_probabilities_is_the_binomial_tail(int n, double p, int s)
    {
        double expected = 0;
        for (int k = s; k <= n; k++)
        {
            expected += Math.Exp(SamplingBound.LogChoose(n, k) + (k * Math.Log(p)) + ((n - k) * Math.Log(1 - p)));
        }

        double actual = PoissonBinomial.ExactUpperTail(Enumerable.Repeat(p, n).ToArray(), s).PValue;
        Assert.Equal(1.0, actual / expected, 1e-9);
    }

    [Fact]
    public void Chernoff_bound_is_never_below_the_exact_tail_and_stays_close_in_log_scale()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 300; trial++)
        {
            int n = random.Next(5, 600);
            var p = Enumerable.Range(0, n).Select(_ => 1.0 / random.Next(2, 6)).ToArray();
            int s = random.Next(0, n + 1);
            double exact = PoissonBinomial.ExactUpperTail(p, s).PValue;
            double bound = PoissonBinomial.ChernoffUpperTail(p, s).PValue;
            Assert.True(bound >= exact * (1 - 1e-9), $"n={n} s={s}: bound {bound} < exact {exact}");
            if (exact > TailProbability.Floor)
            {
                // Chernoff is loose by a polynomial factor only: within O(log n) in the exponent.
                Assert.True(Math.Log(bound) - Math.Log(exact) <= Math.Log(n) + 3, $"n={n} s={s}: bound {bound} vs exact {exact}");
            }
        }
    }

    [Fact]
    public void Tiny_tails_are_positive_floored_and_ordered()
    {
        var p = Enumerable.Repeat(0.5, 2000).ToArray();
        Assert.Equal(TailProbability.Floor, PoissonBinomial.UpperTail(p, 2000).PValue);
        double exact = PoissonBinomial.ExactUpperTail(p, 1400).PValue;   // ≈ 1e-72
        double bound = PoissonBinomial.ChernoffUpperTail(p, 1400).PValue;
        Assert.InRange(exact, 1e-76, 1e-68);
        Assert.InRange(bound, exact, exact * 1e3);

        var huge = Enumerable.Repeat(1.0 / 3, 50_000).ToArray();
        TailProbability far = PoissonBinomial.UpperTail(huge, 40_000);
        Assert.Equal(TailMethod.ChernoffBound, far.Method);
        Assert.Equal(TailProbability.Floor, far.PValue);
    }

    [Fact]
    public void Tails_are_one_at_or_below_the_mean_and_never_above_one()
    {
        var p = Enumerable.Repeat(0.25, 10_000).ToArray();
        Assert.Equal(1.0, PoissonBinomial.UpperTail(p, 0).PValue);
        Assert.Equal(1.0, PoissonBinomial.UpperTail(p, 2_000).PValue);
        Assert.Equal(1.0, PoissonBinomial.ChernoffUpperTail(p, 2_500).PValue);
        Assert.InRange(PoissonBinomial.ExactUpperTail(p.AsSpan(0, 100), 25).PValue, 0.4, 1.0);
        Assert.Equal(1.0, PoissonBinomial.UpperTail([], 0).PValue);
    }

    [Fact]
    public void The_method_switches_at_the_cell_budget()
    {
        var p = Enumerable.Repeat(0.5, 2_000).ToArray();
        Assert.Equal(TailMethod.Exact, PoissonBinomial.UpperTail(p, 500).Method);
        Assert.Equal(TailMethod.ChernoffBound, PoissonBinomial.UpperTail(p, 1_100).Method);
    }

    [Fact]
    public void Bad_input_is_rejected_with_the_parameter_named()
    {
        Assert.Throws<ArgumentOutOfRangeException>("observed", () => PoissonBinomial.UpperTail([0.5], 2));
        Assert.Throws<ArgumentOutOfRangeException>("observed", () => PoissonBinomial.UpperTail([0.5], -1));
        Assert.Throws<ArgumentOutOfRangeException>("probabilities", () => PoissonBinomial.UpperTail([1.5], 1));
        Assert.Throws<ArgumentOutOfRangeException>("probabilities", () => PoissonBinomial.UpperTail([double.NaN], 1));
    }
}
