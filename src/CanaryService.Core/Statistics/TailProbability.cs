namespace CanaryService.Core.Statistics;

/// <summary>How a tail probability was obtained.</summary>
public enum TailMethod
{
    /// <summary>Computed exactly (dynamic programming or convolution).</summary>
    Exact,

    /// <summary>The Chernoff upper bound: never smaller than the exact value, so still a valid p-value.</summary>
    ChernoffBound,
}

/// <summary>An upper-tail probability <c>P(S' ≥ s)</c> used as a p-value.</summary>
/// <param name="PValue">The p-value, in [<see cref="Floor"/>, 1].</param>
/// <param name="Method">Exact, or a conservative bound.</param>
public readonly record struct TailProbability(double PValue, TailMethod Method)
{
    /// <summary>
    /// The smallest p-value reported. A smaller true value is rounded up to it, which keeps the p-value valid
    /// (it can only be larger than the truth) and keeps it a normal, storable double.
    /// </summary>
    public const double Floor = 1e-300;

    /// <summary>The certain event: p = 1.</summary>
    public static TailProbability One => new(1.0, TailMethod.Exact);

    internal static TailProbability FromValue(double value, TailMethod method) =>
        new(double.IsNaN(value) ? 1.0 : Math.Clamp(value, Floor, 1.0), method);

    internal static TailProbability FromLog(double logValue, TailMethod method) =>
        FromValue(logValue >= 0 ? 1.0 : Math.Exp(logValue), method);
}
