namespace CanaryService.Core.Statistics;

/// <summary>
/// The upper tail of a Poisson-binomial count: <c>S' = Σ X_j</c> with independent <c>X_j ~ Bernoulli(p_j)</c>.
/// This is the null distribution of the lexical watermark's match count when the key is independent of the text.
/// </summary>
public static class PoissonBinomial
{
    /// <summary>
    /// The exact dynamic programme costs one multiply-add per (context, count below s) cell; up to this many cells
    /// it runs in about a millisecond and is used, beyond it the Chernoff bound (linear time) takes over.
    /// </summary>
    public const long ExactCellBudget = 1_000_000;

    /// <summary>
    /// <c>P(S' ≥ observed)</c>: exact when <c>n·observed ≤ <see cref="ExactCellBudget"/></c>, otherwise the Chernoff
    /// bound <c>exp(−sup_t [t·s − Σ log(1 − p_j + p_j·e^t)])</c>, which is never below the exact value.
    /// </summary>
    /// <param name="probabilities">The success probability of each trial, each in [0, 1].</param>
    /// <param name="observed">The observed number of successes.</param>
    public static TailProbability UpperTail(ReadOnlySpan<double> probabilities, int observed)
    {
        Validate(probabilities, observed);
        if (observed <= 0)
        {
            return TailProbability.One;
        }

        return (long)probabilities.Length * observed <= ExactCellBudget
            ? ExactUpperTail(probabilities, observed)
            : ChernoffUpperTail(probabilities, observed);
    }

    /// <summary><c>P(S' ≥ observed)</c> exactly, by dynamic programming over the count (O(n·observed) time, O(observed) memory).</summary>
    public static TailProbability ExactUpperTail(ReadOnlySpan<double> probabilities, int observed)
    {
        Validate(probabilities, observed);
        if (observed <= 0)
        {
            return TailProbability.One;
        }

        // below[k] = P(k successes so far) for k < observed; mass reaching `observed` is absorbed into `tail`.
        // Only additions of non-negative terms: no cancellation, so tiny tails keep their relative accuracy
        // (gradual underflow loses at most ~1e-317 in total, far below the 1e-300 floor).
        var below = new double[observed];
        below[0] = 1.0;
        double tail = 0.0;
        for (int j = 0; j < probabilities.Length; j++)
        {
            double p = probabilities[j];
            double q = 1.0 - p;
            tail += below[observed - 1] * p;
            for (int k = Math.Min(j + 1, observed - 1); k >= 1; k--)
            {
                below[k] = below[k] * q + below[k - 1] * p;
            }

            below[0] *= q;
        }

        return TailProbability.FromValue(tail, TailMethod.Exact);
    }

    /// <summary>
    /// The Chernoff bound on <c>P(S' ≥ observed)</c>, computed in log space: linear time, valid (conservative) for every n.
    /// </summary>
    public static TailProbability ChernoffUpperTail(ReadOnlySpan<double> probabilities, int observed)
    {
        Validate(probabilities, observed);
        int n = probabilities.Length;
        double mean = 0;
        foreach (double p in probabilities)
        {
            mean += p;
        }

        if (observed <= mean)
        {
            // The supremum is at t = 0: the bound is 1.
            return TailProbability.One;
        }

        if (observed == n)
        {
            // The supremum is approached as t → ∞ and equals the exact value Π p_j.
            double logAll = 0;
            foreach (double p in probabilities)
            {
                logAll += Math.Log(p);
            }

            return TailProbability.FromLog(logAll, TailMethod.Exact);
        }

        // With w = e^(−t), f'(t) = s − Σ p/(p + (1−p)w) decreases in t; find its root in t > 0, bracketed and
        // safeguarded (Newton inside a shrinking bracket), then evaluate the exponent stably:
        // log(1 − p + p e^t) = t + log(p + (1−p) e^(−t)).
        double lo = 0, hi = 1;
        while (ExpectedAt(probabilities, hi) < observed && hi < 1e6)
        {
            lo = hi;
            hi *= 2;
        }

        double t = 0.5 * (lo + hi);
        for (int iteration = 0; iteration < 200; iteration++)
        {
            (double value, double slope) = ExpectedAndSlope(probabilities, t);
            double gap = value - observed;
            if (gap > 0)
            {
                hi = t;
            }
            else
            {
                lo = t;
            }

            if (Math.Abs(gap) < 1e-10 * observed || hi - lo < 1e-13 * Math.Max(1, t))
            {
                break;
            }

            double next = slope > 0 ? t - gap / slope : double.NaN;
            t = next > lo && next < hi ? next : 0.5 * (lo + hi);
        }

        // Any t ≥ 0 gives a valid bound, so an imperfect root only makes the bound a little looser.
        double w = Math.Exp(-t);
        double logBound = t * (n - observed);
        foreach (double p in probabilities)
        {
            logBound += Math.Log(p + (1 - p) * w);
        }

        return TailProbability.FromLog(logBound, TailMethod.ChernoffBound);
    }

    private static double ExpectedAt(ReadOnlySpan<double> probabilities, double t) => ExpectedAndSlope(probabilities, t).Value;

    // The mean and its derivative of the exponentially tilted counts at tilt t.
    private static (double Value, double Slope) ExpectedAndSlope(ReadOnlySpan<double> probabilities, double t)
    {
        double w = Math.Exp(-t);
        double value = 0, slope = 0;
        foreach (double p in probabilities)
        {
            double denominator = p + (1 - p) * w;
            if (denominator <= 0)
            {
                continue;
            }

            double tilted = p / denominator;
            value += tilted;
            slope += tilted * (1 - tilted);
        }

        return (value, slope);
    }

    private static void Validate(ReadOnlySpan<double> probabilities, int observed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(observed);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(observed, probabilities.Length);
        foreach (double p in probabilities)
        {
            if (!(p >= 0 && p <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(probabilities), p, "Every probability must be in [0, 1].");
            }
        }
    }
}
