using CanaryService.Core.Issuance;

namespace CanaryService.Core.Detection;

/// <summary>
/// Which accounts are attribution candidates: the one rule that the assessor tests by and the probe planner replays
/// by, so a run asks about exactly the accounts its scoring can attribute to.
/// </summary>
public static class AttributionCandidates
{
    /// <summary>
    /// The accounts with at least <see cref="DetectionOptions.AttributionMinimumResponses"/> marked responses, highest
    /// volume first (ties by id), at most <see cref="DetectionOptions.AttributionMaximumAccounts"/>; each account once.
    /// </summary>
    public static IReadOnlyList<AccountIssuance> Select(IEnumerable<AccountIssuance> accounts, DetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(options);
        return [.. accounts
            .DistinctBy(a => a.AccountId, StringComparer.Ordinal)
            .Where(a => a.MarkedResponses >= options.AttributionMinimumResponses)
            .OrderByDescending(a => a.MarkedResponses)
            .ThenBy(a => a.AccountId, StringComparer.Ordinal)
            .Take(options.AttributionMaximumAccounts)];
    }
}
