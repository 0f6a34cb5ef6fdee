namespace CanaryService.Core.Statistics;

/// <summary>
/// An anytime-valid e-value for a stream of independent trials with known null success probabilities <c>p_j</c>
/// (the lexical matches). Each trial multiplies the wealth by <c>x·q/p + (1−x)(1−q)/(1−p)</c>, a likelihood ratio
/// whose null mean is 1; <c>q</c> is a predictable plug-in, estimated from earlier trials only, so the product is a
/// test martingale and by Ville's inequality <c>P(ever E ≥ 1/α) ≤ α</c> however long it runs.
/// </summary>
/// <remarks>
/// The alternative is "a distilled model copies the keyed form with some rate λ and otherwise matches by chance":
/// <c>q_j = p_j + λ(1 − p_j)</c>, which fits groups of every size with one parameter. λ is estimated from the past
/// excess of matches over chance, shrunk toward 0 (q toward p: no bet) by a prior weight, and capped below 1 so
/// <c>q</c> stays in (0, 1) and one unlucky mismatch cannot wipe the wealth out.
/// </remarks>
public sealed class BernoulliEValue
{
    /// <summary>How many trials' worth of "no effect" the estimate of λ starts with.</summary>
    public const double PriorWeight = 10;

    /// <summary>The largest copy rate bet on.</summary>
    public const double MaxCopyRate = 0.9;

    private double _excess;     // Σ (x_i − p_i) over earlier trials
    private double _capacity;   // Σ (1 − p_i) over earlier trials

    /// <summary>Trials seen.</summary>
    public long Trials { get; private set; }

    /// <summary>Successes seen.</summary>
    public long Successes { get; private set; }

    /// <summary>The natural log of the e-value.</summary>
    public double LogValue { get; private set; }

    /// <summary>The e-value (clamped to <see cref="EValue.Ceiling"/>).</summary>
    public double Value => EValue.FromLog(LogValue);

    /// <summary>The copy rate the next trial will be bet with (estimated from earlier trials only).</summary>
    public double CurrentCopyRate => Math.Clamp(_excess / (_capacity + PriorWeight), 0, MaxCopyRate);

    /// <summary>Adds one trial.</summary>
    /// <param name="success">Whether the trial matched.</param>
    /// <param name="nullProbability">Its success probability under the null, in (0, 1).</param>
    public void Add(bool success, double nullProbability)
    {
        if (!(nullProbability > 0 && nullProbability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(nullProbability), nullProbability, "The null probability must be in (0, 1).");
        }

        double p = nullProbability;
        double q = p + CurrentCopyRate * (1 - p);
        LogValue += success ? Math.Log(q / p) : Math.Log((1 - q) / (1 - p));

        Trials++;
        Successes += success ? 1 : 0;
        _excess += (success ? 1 : 0) - p;
        _capacity += 1 - p;
    }
}
