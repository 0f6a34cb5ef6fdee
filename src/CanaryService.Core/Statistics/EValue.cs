namespace CanaryService.Core.Statistics;

/// <summary>Conversions shared by the e-value accumulators.</summary>
public static class EValue
{
    /// <summary>The largest e-value reported (a larger one is reported as this: still overwhelming, and storable).</summary>
    public const double Ceiling = 1e300;

    /// <summary>The p-value an e-value stands for: <c>min(1, 1/E)</c> (valid by Markov's inequality).</summary>
    public static double ToPValue(double eValue)
    {
        if (double.IsNaN(eValue))
        {
            return 1.0;
        }

        return eValue <= 1 ? 1.0 : Math.Max(1.0 / eValue, TailProbability.Floor);
    }

    /// <summary>The e-value for a natural-log value, clamped to [0, <see cref="Ceiling"/>].</summary>
    public static double FromLog(double logValue) =>
        double.IsNaN(logValue) ? 1.0 : logValue >= Math.Log(Ceiling) ? Ceiling : Math.Exp(logValue);
}
