namespace CanaryService.Core.Tests.Statistics;

/// <summary>
/// One-sided sampling bounds for simulated error rates: the largest count of false positives out of
/// <c>trials</c> that is still consistent (at the 0.999 level) with a true rate of <c>rate</c>.
/// </summary>
internal static class SamplingBound
{
    public static int MaxConsistentCount(int trials, double rate, double confidence = 0.999)
    {
        // Exact binomial: smallest k with P(Bin(trials, rate) ≤ k) ≥ confidence, summed in log space.
        double cumulative = 0;
        for (int k = 0; k <= trials; k++)
        {
            cumulative += Math.Exp(LogChoose(trials, k) + (k * Math.Log(rate)) + ((trials - k) * Math.Log(1 - rate)));
            if (cumulative >= confidence)
            {
                return k;
            }
        }

        return trials;
    }

    public static double LogChoose(int n, int k)
    {
        double value = 0;
        for (int i = 1; i <= k; i++)
        {
            value += Math.Log(n - k + i) - Math.Log(i);
        }

        return value;
    }
}
