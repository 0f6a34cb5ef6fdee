namespace CanaryService.Core.Lineage;

/// <summary>The knobs of the lineage fingerprint; the defaults are the ones <c>docs/lineage.md</c> reports figures for.</summary>
public sealed record LineageOptions
{
    /// <summary>How many n-grams (1- and 2-grams, the most widespread across answers) make up the fingerprint.</summary>
    public int VocabularySize { get; init; } = 10_000;

    /// <summary>An n-gram must appear in at least this many answers (of any model) to be a feature.</summary>
    public int MinimumAnswers { get; init; } = 5;

    /// <summary>
    /// An answer contributes at most this many words: longer answers have their counts scaled down, so a model that
    /// writes long answers does not make a few prompts weigh more than the rest.
    /// </summary>
    public int AnswerWordCap { get; init; } = 400;

    /// <summary>
    /// The informative Dirichlet prior's total pseudo-count (α₀, spread over features by background share). It keeps an
    /// n-gram a model never wrote from an infinite log-odds; it is kept small because a strong prior shrinks small
    /// samples more than large ones, a bias the bootstrap cannot see (in simulation α₀ = 1,000 and 3,000 brought 95 %
    /// intervals' coverage down to 86 % and 79 %).
    /// </summary>
    public double PriorStrength { get; init; } = 100;

    /// <summary>Bootstrap replicates over prompts for each similarity interval (0 gives the point estimates only).</summary>
    public int BootstrapReplicates { get; init; } = 200;

    /// <summary>The intervals' confidence level.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>The bootstrap's seed: one seed, one set of intervals.</summary>
    public int Seed { get; init; } = 20_260_101;

    /// <summary>Two models are compared only on at least this many prompts they both answered.</summary>
    public int MinimumSharedPrompts { get; init; } = 20;

    /// <summary>How many shared over-used n-grams are listed as the drivers of each pair.</summary>
    public int DriverCount { get; init; } = 8;

    /// <summary>Throws when a value is out of range, naming it.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(VocabularySize, 10, nameof(VocabularySize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumAnswers, 1, nameof(MinimumAnswers));
        ArgumentOutOfRangeException.ThrowIfLessThan(AnswerWordCap, 1, nameof(AnswerWordCap));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PriorStrength, nameof(PriorStrength));
        ArgumentOutOfRangeException.ThrowIfNegative(BootstrapReplicates, nameof(BootstrapReplicates));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BootstrapReplicates, 10_000, nameof(BootstrapReplicates));
        if (ConfidenceLevel is <= 0 or >= 1 or double.NaN)
        {
            throw new ArgumentOutOfRangeException(nameof(ConfidenceLevel), ConfidenceLevel, "The confidence level must lie strictly between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumSharedPrompts, 2, nameof(MinimumSharedPrompts));
        ArgumentOutOfRangeException.ThrowIfNegative(DriverCount, nameof(DriverCount));
    }
}
