namespace CanaryService.Core.Issuance;

/// <summary>One marked response as the proxy issued it.</summary>
/// <param name="AccountId">Who received it (never a raw API key).</param>
/// <param name="IssuedAt">When.</param>
/// <param name="MarkedChoices">How many choices of the response were marked.</param>
/// <param name="CanaryEpoch">The epoch of the phrase canary issued in the response, if any.</param>
/// <param name="CanaryTopic">The topic of that canary, if any.</param>
public sealed record IssuanceEvent(
    string AccountId,
    DateTimeOffset IssuedAt,
    int MarkedChoices,
    string? CanaryEpoch,
    string? CanaryTopic);

/// <summary>Per-account totals over a period, read back from the issuance log.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="MarkedResponses">Marked responses it received.</param>
/// <param name="CanaryTopics">The (epoch, topic) canaries it received, with how many times each.</param>
public sealed record AccountIssuance(
    string AccountId,
    long MarkedResponses,
    IReadOnlyDictionary<(string Epoch, string Topic), long> CanaryTopics);

/// <summary>
/// The issuance log (table <c>Issuance</c>, PK account, RK day(+topic)). <see cref="Record"/> never blocks
/// or throws for a storage fault: events queue up (bounded) and are written in the background with retries.
/// </summary>
public interface IIssuanceLog
{
    /// <summary>Queues one event for writing. Returns false only when the bounded queue is full and the event was dropped (logged).</summary>
    bool Record(IssuanceEvent issuance);

    /// <summary>Per-account totals for the days from <paramref name="firstDay"/> to <paramref name="lastDay"/> inclusive.</summary>
    Task<IReadOnlyList<AccountIssuance>> QueryAsync(DateOnly firstDay, DateOnly lastDay, CancellationToken cancellationToken = default);

    /// <summary>Waits until everything queued so far is written (or the token fires).</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}
