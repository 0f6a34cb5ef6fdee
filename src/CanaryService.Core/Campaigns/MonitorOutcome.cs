namespace CanaryService.Core.Campaigns;

/// <summary>One account as the extraction monitor judged it.</summary>
/// <param name="Account">The account id.</param>
/// <param name="Flagged">Whether it looks like extraction.</param>
/// <param name="Score">The sum of its features' positive robust z-scores (each capped at 20).</param>
/// <param name="Cluster">The cluster it was linked into, if any.</param>
/// <param name="Reasons">Each extreme feature with its figures (value, population median, robust z).</param>
/// <param name="Requests">Its requests in the lookback.</param>
public sealed record AccountAssessment(string Account, bool Flagged, double Score, string? Cluster, IReadOnlyList<string> Reasons, long Requests);

/// <summary>Accounts linked by shared template signatures or network hints.</summary>
/// <param name="Cluster">The cluster id (<c>cluster-</c> + 12 hex characters, from its smallest account id).</param>
/// <param name="Accounts">Its accounts, sorted.</param>
/// <param name="Flagged">Whether at least half of its accounts (and at least two) are flagged.</param>
/// <param name="Signals">What links and marks it, with figures.</param>
/// <param name="Requests">Its accounts' requests in the lookback.</param>
public sealed record AccountCluster(string Cluster, IReadOnlyList<string> Accounts, bool Flagged, IReadOnlyList<string> Signals, long Requests);

/// <summary>One run of the extraction monitor.</summary>
/// <param name="At">When it ran.</param>
/// <param name="Accounts">Every account it scored (at least <see cref="CampaignOptions.CalibrationMinRequests"/> requests).</param>
/// <param name="Clusters">Every cluster of two or more accounts.</param>
public sealed record MonitorOutcome(DateTimeOffset At, IReadOnlyList<AccountAssessment> Accounts, IReadOnlyList<AccountCluster> Clusters)
{
    /// <summary>The flagged accounts.</summary>
    public IEnumerable<AccountAssessment> Flagged => Accounts.Where(a => a.Flagged);
}
