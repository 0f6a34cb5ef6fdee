namespace CanaryService.Core.Statistics;

/// <summary>
/// An anytime-valid e-value for the keyed share pooled over several independent keys (a cluster's accounts): each
/// observation is the mean, over the keys, of a (context, group)'s share written in that key's form, whose null mean is
/// <c>p = 1/|g|</c> whatever the text (each key's form is a uniform draw, independent of the text and of the other
/// keys). The wealth is multiplied by <c>1 + λ·(mean/p − 1)</c>, null mean 1; λ is a predictable plug-in of the
/// growth-optimal bet, so the product is a test martingale and <c>P(ever E ≥ 1/α) ≤ α</c> (Ville) for any number of keys.
/// </summary>
/// <remarks>
/// Why not <see cref="KeyedShareEValue"/>: its bet is the estimated copy rate, right for one key. Pooled over k keys the
/// excess per observation is about the copy rate over k but its null spread shrinks like 1/√k, so the growth-optimal bet
/// <c>E[X]/E[X²]</c> (X = mean/p − 1) is much larger than the copy rate; betting it keeps the √k gain of pooling.
/// </remarks>
public sealed class PooledShareEValue
{
    /// <summary>The largest bet: a factor is never below <c>1 − MaxBet</c> (X ≥ −1), so one context cannot wipe the wealth out.</summary>
    public const double MaxBet = 0.9;

    /// <summary>The prior weight in the bet's denominator (in units of X²): shrinks early bets toward 0.</summary>
    public const double PriorWeight = 1;

    private double _sum;      // Σ X over earlier observations
    private double _squares;  // Σ X² over earlier observations

    /// <summary>Observations seen.</summary>
    public long Trials { get; private set; }

    /// <summary>The natural log of the e-value.</summary>
    public double LogValue { get; private set; }

    /// <summary>Adds one observation.</summary>
    /// <param name="meanKeyedShare">The mean over the keys of the keyed share, in [0, 1].</param>
    /// <param name="nullProbability">Its null mean <c>1/|g|</c>, in (0, 1).</param>
    public void Add(double meanKeyedShare, double nullProbability)
    {
        if (!(nullProbability > 0 && nullProbability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(nullProbability), nullProbability, "The null probability must be in (0, 1).");
        }

        if (!(meanKeyedShare >= 0 && meanKeyedShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(meanKeyedShare), meanKeyedShare, "The keyed share must be in [0, 1].");
        }

        double x = (meanKeyedShare / nullProbability) - 1;
        double bet = Math.Clamp(_sum / (_squares + PriorWeight), 0, MaxBet);
        LogValue += Math.Log(1 + (bet * x));
        Trials++;
        _sum += x;
        _squares += x * x;
    }
}
