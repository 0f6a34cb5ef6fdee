using CanaryService.Core.Statistics;

namespace CanaryService.Core.Tests.Statistics;

public sealed class LatticeSumTests
{
    [Fact]
    public void Exact_tail_of_bernoulli_terms_equals_brute_force_enumeration()
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

            TailProbability actual = Bernoulli(p).ExactUpperTail(s);
            Assert.Equal(Math.Max(expected, TailProbability.Floor), actual.PValue, 1e-12);
            Assert.Equal(TailMethod.Exact, actual.Method);
        }
    }

    [Fact]
    public void Exact_tail_of_uniform_count_terms_equals_brute_force_enumeration()
    {
        // Terms like the lexical statistic's: a group's (weighted) form counts, one drawn uniformly.
        var random = new Random(17);
        for (int trial = 0; trial < 200; trial++)
        {
            int[][] terms = [.. Enumerable.Range(0, random.Next(1, 8)).Select(_ => Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(0, 7)).ToArray())];
            var sum = new LatticeSum();
            foreach (int[] term in terms)
            {
                sum.AddUniform(term);
            }

            // Enumerate every combination of draws.
            var distribution = new Dictionary<long, double> { [0] = 1.0 };
            foreach (int[] term in terms)
            {
                var next = new Dictionary<long, double>();
                foreach ((long value, double probability) in distribution)
                {
                    foreach (int v in term)
                    {
                        next[value + v] = next.GetValueOrDefault(value + v) + (probability / term.Length);
                    }
                }

                distribution = next;
            }

            for (long s = sum.Offset - 1; s <= sum.Maximum + 1; s++)
            {
                double expected = distribution.Where(x => x.Key >= s).Sum(x => x.Value);
                Assert.Equal(Math.Max(expected, TailProbability.Floor), sum.ExactUpperTail(s).PValue, 1e-12);
                Assert.True(sum.ChernoffUpperTail(s).PValue >= expected * (1 - 1e-9), $"Chernoff below exact at s={s}");
            }

            Assert.Equal(distribution.Sum(x => x.Key * x.Value), sum.Mean, 1e-9);
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

        double actual = Bernoulli(Enumerable.Repeat(p, n).ToArray()).ExactUpperTail(s).PValue;
        Assert.Equal(1.0, actual / expected, 1e-9);
    }

    [Trait("Category", "Simulation")]
    [Fact]
    public void Chernoff_bound_is_never_below_the_exact_tail_and_stays_close_in_log_scale()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 300; trial++)
        {
            int n = random.Next(5, 600);
            var sum = new LatticeSum();
            for (int j = 0; j < n; j++)
            {
                int size = random.Next(2, 6);
                int scale = random.Next(1, 5);
                sum.AddUniform(Enumerable.Range(0, size).Select(_ => scale * random.Next(0, 4)).ToArray());
            }

            long s = sum.Offset + (long)(random.NextDouble() * (sum.Maximum - sum.Offset + 1));
            double exact = sum.ExactUpperTail(s).PValue;
            double bound = sum.ChernoffUpperTail(s).PValue;
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
        LatticeSum halves = Bernoulli(Enumerable.Repeat(0.5, 2000).ToArray());
        Assert.Equal(TailProbability.Floor, halves.UpperTail(2000).PValue);
        Assert.Equal(TailProbability.Floor, halves.UpperTail(2001).PValue);
        double exact = halves.ExactUpperTail(1400).PValue;   // ≈ 1e-72
        double bound = halves.ChernoffUpperTail(1400).PValue;
        Assert.InRange(exact, 1e-76, 1e-68);
        Assert.InRange(bound, exact, exact * 1e3);

        LatticeSum huge = Bernoulli(Enumerable.Repeat(1.0 / 3, 50_000).ToArray());
        TailProbability far = huge.UpperTail(40_000);
        Assert.Equal(TailMethod.ChernoffBound, far.Method);
        Assert.Equal(TailProbability.Floor, far.PValue);
    }

    [Fact]
    public void Tails_are_one_at_or_below_the_mean_and_never_above_one()
    {
        LatticeSum quarters = Bernoulli(Enumerable.Repeat(0.25, 10_000).ToArray());
        Assert.Equal(1.0, quarters.UpperTail(0).PValue);
        Assert.InRange(quarters.UpperTail(2_000).PValue, 1 - 1e-12, 1.0);
        Assert.Equal(1.0, quarters.ChernoffUpperTail(2_500).PValue);
        Assert.InRange(Bernoulli(Enumerable.Repeat(0.25, 100).ToArray()).ExactUpperTail(25).PValue, 0.4, 1.0);
        Assert.Equal(1.0, new LatticeSum().UpperTail(0).PValue);
    }

    [Fact]
    public void Constant_terms_and_minima_shift_the_sum_without_costing_cells()
    {
        var sum = new LatticeSum();
        sum.AddUniform([4, 4, 4]);          // a constant: a text that wrote every form equally often
        sum.AddUniform([2, 3]);             // 2 + Bernoulli(1/2)
        sum.Add([7, 5, 7], [0.25, 0.5, 0.25]);
        Assert.Equal((2, 11L, 14L), (sum.Terms, sum.Offset, sum.Maximum));
        Assert.Equal(11 + 0.5 + 1.0, sum.Mean, 1e-12);
        Assert.Equal(0.25, sum.ExactUpperTail(14).PValue, 1e-12);
        Assert.Equal(0.5, sum.ExactUpperTail(13).PValue, 1e-12);
        Assert.Equal(1.0, sum.ExactUpperTail(11).PValue);
        Assert.Equal(0, sum.ExactCells(11));
    }

    [Fact]
    public void The_method_switches_at_the_cell_budget_and_exact_stays_fast_there()
    {
        // A lexical case of 4,000 pairs (about 80,000 words of answers), most written once, some up to the weight cap.
        var random = new Random(3);
        var sum = new LatticeSum();
        for (int j = 0; j < 4_000; j++)
        {
            int size = random.Next(2, 5);
            int[] counts = new int[size];
            int written = random.NextDouble() < 0.8 ? 1 : random.Next(2, 17);
            for (int i = 0; i < written; i++)
            {
                counts[random.Next(size)]++;
            }

            sum.AddUniform(counts);
        }

        long near = (long)Math.Ceiling(sum.Mean + 100);
        Assert.True(sum.ExactCells(near) <= LatticeSum.ExactCellBudget, $"cells {sum.ExactCells(near)}");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        TailProbability exact = sum.UpperTail(near);
        watch.Stop();
        Assert.Equal(TailMethod.Exact, exact.Method);
        Assert.True(exact.PValue <= sum.ChernoffUpperTail(near).PValue);
        Assert.True(watch.ElapsedMilliseconds < 5_000, $"exact tail took {watch.ElapsedMilliseconds} ms");

        LatticeSum wide = Bernoulli(Enumerable.Repeat(0.5, 40_000).ToArray());
        Assert.True(wide.ExactCells(30_000) > LatticeSum.ExactCellBudget);
        Assert.Equal(TailMethod.ChernoffBound, wide.UpperTail(30_000).Method);
    }

    [Fact]
    public void Bad_input_is_rejected_with_the_parameter_named()
    {
        var sum = new LatticeSum();
        Assert.Throws<ArgumentException>("values", () => sum.AddUniform([]));
        Assert.Throws<ArgumentOutOfRangeException>("values", () => sum.AddUniform([-1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>("probabilities", () => sum.AddBernoulli(1.5));
        Assert.Throws<ArgumentOutOfRangeException>("probabilities", () => sum.AddBernoulli(double.NaN));
        Assert.Throws<ArgumentException>("probabilities", () => sum.Add([1, 2], [0.5, 0.4]));
        Assert.Equal(0, sum.Terms);
    }

    private static LatticeSum Bernoulli(double[] probabilities)
    {
        var sum = new LatticeSum();
        foreach (double p in probabilities)
        {
            sum.AddBernoulli(p);
        }

        return sum;
    }
}
