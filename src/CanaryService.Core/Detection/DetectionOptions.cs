namespace CanaryService.Core.Detection;

/// <summary>How competitors' answers are judged (configuration section <c>Detection</c>).</summary>
public sealed class DetectionOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Detection";

    /// <summary>
    /// The family-wise error rate of a "distilled" verdict, controlled with Holm over every test of an assessment
    /// (families × keys). Default 1e-6.
    /// </summary>
    public double Alpha { get; set; } = 1e-6;

    /// <summary>
    /// Accounts that received at least this many marked responses are tested for attribution (each adds a test,
    /// which Holm pays for). Default 100.
    /// </summary>
    public long AttributionMinimumResponses { get; set; } = 100;

    /// <summary>The most accounts tested for attribution (the highest-volume ones). Default 50.</summary>
    public int AttributionMaximumAccounts { get; set; } = 50;

    /// <summary>The most flagged clusters of accounts tested as one (the largest ones); each adds up to two tests. Default 10.</summary>
    public int AttributionMaximumClusters { get; set; } = 10;

    internal void Validate()
    {
        if (!(Alpha > 0 && Alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "Detection:Alpha must be in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(AttributionMinimumResponses, nameof(AttributionMinimumResponses));
        ArgumentOutOfRangeException.ThrowIfNegative(AttributionMaximumAccounts, nameof(AttributionMaximumAccounts));
        ArgumentOutOfRangeException.ThrowIfNegative(AttributionMaximumClusters, nameof(AttributionMaximumClusters));
    }
}
