namespace CanaryService.Core.Lineage;

/// <summary>A model in the analysis: how many answers it has and the n-grams it over-uses most relative to the panel.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Samples">Its answers (one per prompt).</param>
/// <param name="TopNGrams">Its most over-used n-grams, strongest first (z-scored log-odds against every other model).</param>
public sealed record LineageModel(string Model, int Samples, IReadOnlyList<string> TopNGrams);

/// <summary>
/// The similarity of two models' fingerprints on the prompts both answered, with its bootstrap interval over prompts.
/// </summary>
/// <param name="ModelA">One model (ordinal order: <c>ModelA &lt; ModelB</c>).</param>
/// <param name="ModelB">The other.</param>
/// <param name="Similarity">The split-half cosine of their over-use vectors, in [-1, 1]; 0 when either shows no reproducible over-use.</param>
/// <param name="Low">The interval's lower end (bootstrap percentile); equals <paramref name="Similarity"/> without replicates.</param>
/// <param name="High">The interval's upper end.</param>
/// <param name="SharedPrompts">How many prompts both answered: the similarity uses these only.</param>
/// <param name="Drivers">The n-grams both over-use most (largest product of their z-scores, both positive, each summed over the two halves).</param>
public sealed record LineagePair(string ModelA, string ModelB, double Similarity, double Low, double High, int SharedPrompts, IReadOnlyList<string> Drivers)
{
    /// <summary>The other model of the pair.</summary>
    public string Other(string model) => string.Equals(model, ModelA, StringComparison.Ordinal) ? ModelB : ModelA;
}

/// <summary>A neighbour of one model, as the API lists them.</summary>
/// <param name="Model">The neighbour.</param>
/// <param name="Similarity">The pair's similarity.</param>
/// <param name="Low">The interval's lower end.</param>
/// <param name="High">The interval's upper end.</param>
/// <param name="SharedPrompts">The prompts both answered.</param>
public sealed record LineageNeighbour(string Model, double Similarity, double Low, double High, int SharedPrompts);

/// <summary>The result of <see cref="LineageAnalyzer.Analyze"/>: the models, every comparable pair and the settings used.</summary>
public sealed class LineageAnalysis
{
    private readonly Dictionary<(string, string), LineagePair> _pairs;

    /// <summary>Creates the analysis from its parts.</summary>
    public LineageAnalysis(IReadOnlyList<LineageModel> models, IReadOnlyList<LineagePair> pairs, int bootstrapReplicates, double confidenceLevel, int seed)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(pairs);
        Models = models;
        Pairs = pairs;
        BootstrapReplicates = bootstrapReplicates;
        ConfidenceLevel = confidenceLevel;
        Seed = seed;
        _pairs = pairs.ToDictionary(p => (p.ModelA, p.ModelB));
    }

    /// <summary>The models, in ordinal order.</summary>
    public IReadOnlyList<LineageModel> Models { get; }

    /// <summary>Every pair compared on enough shared prompts.</summary>
    public IReadOnlyList<LineagePair> Pairs { get; }

    /// <summary>The bootstrap replicates behind each interval.</summary>
    public int BootstrapReplicates { get; }

    /// <summary>The intervals' confidence level.</summary>
    public double ConfidenceLevel { get; }

    /// <summary>The bootstrap's seed.</summary>
    public int Seed { get; }

    /// <summary>The model named <paramref name="model"/>, or null.</summary>
    public LineageModel? Find(string model) => Models.FirstOrDefault(m => string.Equals(m.Model, model, StringComparison.Ordinal));

    /// <summary>The pair of <paramref name="a"/> and <paramref name="b"/> in either order, or null when they were not compared.</summary>
    public LineagePair? Pair(string a, string b) =>
        _pairs.GetValueOrDefault(string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a));

    /// <summary>Every model compared with <paramref name="model"/>, most similar first (ties by name).</summary>
    public IReadOnlyList<LineageNeighbour> NeighboursOf(string model) =>
    [
        .. Pairs.Where(p => string.Equals(p.ModelA, model, StringComparison.Ordinal) || string.Equals(p.ModelB, model, StringComparison.Ordinal))
            .Select(p => new LineageNeighbour(p.Other(model), p.Similarity, p.Low, p.High, p.SharedPrompts))
            .OrderByDescending(n => n.Similarity).ThenBy(n => n.Model, StringComparer.Ordinal),
    ];
}
