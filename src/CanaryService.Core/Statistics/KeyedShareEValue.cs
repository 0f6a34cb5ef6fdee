namespace CanaryService.Core.Statistics;

/// <summary>
/// An anytime-valid e-value for a stream of independent observations whose null mean is known: the share of a scored
/// (context, group) written in the keyed form. Under H0 the keyed form is a uniform draw over the group's forms, and
/// the text's shares of those forms sum to 1, so the keyed share has null mean exactly <c>p = 1/|g|</c> whatever the
/// text. Each observation multiplies the wealth by <c>1 + λ·(share/p − 1)</c>, whose null mean is 1; the bet
/// <c>λ</c> is a predictable plug-in, estimated from earlier observations only, so the product is a test martingale
/// and by Ville's inequality <c>P(ever E ≥ 1/α) ≤ α</c> however long it runs.
/// </summary>
/// <remarks>
/// <para>
/// The alternative is "a distilled model writes the keyed form with some extra rate λ and otherwise as it would":
/// its keyed share is <c>p + λ(1 − p)</c>, which fits groups of every size with one parameter. λ is estimated from the
/// past weighted excess of keyed share over chance, shrunk toward 0 (no bet) by a prior weight, and capped below 1 so
/// that a factor is never below <c>1 − <see cref="MaxCopyRate"/></c>: one unlucky context cannot wipe the wealth out.
/// </para>
/// <para>
/// A single occurrence is the special case share ∈ {0, 1}: the factor is then the Bernoulli likelihood ratio
/// <c>q/p</c> or <c>(1 − q)/(1 − p)</c> with <c>q = p + λ(1 − p)</c>.
/// </para>
/// </remarks>
public sealed class KeyedShareEValue
{
    /// <summary>How many observations' worth of "no effect" the estimate of λ starts with.</summary>
    public const double PriorWeight = 10;

    /// <summary>The largest copy rate bet on.</summary>
    public const double MaxCopyRate = 0.9;

    private double _excess;     // Σ (share_i − p_i) over earlier observations
    private double _capacity;   // Σ (1 − p_i) over earlier observations

    /// <summary>Observations seen.</summary>
    public long Trials { get; private set; }

    /// <summary>The natural log of the e-value.</summary>
    public double LogValue { get; private set; }

    /// <summary>The e-value (clamped to <see cref="EValue.Ceiling"/>).</summary>
    public double Value => EValue.FromLog(LogValue);

    /// <summary>The copy rate the next observation will be bet with (estimated from earlier observations only).</summary>
    public double CurrentCopyRate => Math.Clamp(_excess / (_capacity + PriorWeight), 0, MaxCopyRate);

    /// <summary>Adds one match or mismatch (a context written once).</summary>
    /// <param name="success">Whether the keyed form was written.</param>
    /// <param name="nullProbability">Its probability under the null, in (0, 1).</param>
    public void Add(bool success, double nullProbability) => Add(success ? 1 : 0, nullProbability);

    /// <summary>Adds one observation.</summary>
    /// <param name="keyedShare">The share of the context's occurrences written in the keyed form, in [0, 1].</param>
    /// <param name="nullProbability">Its null mean <c>1/|g|</c>, in (0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public void Add(double keyedShare, double nullProbability)
    {
        if (!(nullProbability > 0 && nullProbability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(nullProbability), nullProbability, "The null probability must be in (0, 1).");
        }

        if (!(keyedShare >= 0 && keyedShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(keyedShare), keyedShare, "The keyed share must be in [0, 1].");
        }

        double p = nullProbability;
        double factor = 1 + (CurrentCopyRate * ((keyedShare / p) - 1));
        LogValue += Math.Log(factor);

        Trials++;
        _excess += keyedShare - p;
        _capacity += 1 - p;
    }
}
