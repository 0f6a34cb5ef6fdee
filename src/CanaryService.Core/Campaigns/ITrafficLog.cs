
namespace CanaryService.Core.Campaigns;

/// <summary>The API surfaces a request used, beyond a plain answer.</summary>
[Flags]
public enum TrafficSurfaces
{
    /// <summary>A plain, whole answer.</summary>
    None = 0,

    /// <summary>Server-sent events.</summary>
    Streaming = 1,

    /// <summary>A batch output file.</summary>
    Batch = 2,

    /// <summary>Reasoning asked for (a reasoning effort or summary).</summary>
    ReasoningTraces = 4,

    /// <summary>More than one choice per request (<c>n &gt; 1</c>).</summary>
    MultipleChoices = 8,
}

/// <summary>
/// One request as the proxy saw it, for the account's traffic features. The prompt travels only in memory to the
/// background writer, which reduces it to hashes; it is never stored from here.
/// </summary>
/// <param name="AccountId">Who asked (never a raw API key).</param>
/// <param name="At">When.</param>
/// <param name="Prompt">The last user message (reduced to sketches off the request path).</param>
/// <param name="Turns">Messages in the conversation sent (1 for a single prompt).</param>
/// <param name="Surfaces">The surfaces used.</param>
/// <param name="OutputWords">Words of generated text in the answer (an estimate: spaces + 1 per text).</param>
/// <param name="UserAgent">The caller's user agent, if any.</param>
/// <param name="ClientAddress">The client address the front door passed in the configured header, if any.</param>
/// <param name="KeyHint">The hint of the caller's key (<see cref="Campaigns.KeyHint"/>), if a key was sent.</param>
public sealed record TrafficObservation(
    string AccountId,
    DateTimeOffset At,
    string Prompt,
    int Turns,
    TrafficSurfaces Surfaces,
    long OutputWords,
    string? UserAgent,
    string? ClientAddress,
    string? KeyHint);

/// <summary>What is kept about an account an operator can act on: the key's hint and when it was first and last seen.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="KeyHint">The hint of its key (<c>sk-…abcd</c>), when a key was seen.</param>
/// <param name="FirstSeen">Its first recorded request.</param>
/// <param name="LastSeen">Its last recorded request (as of the last write).</param>
public sealed record AccountProfile(string AccountId, string? KeyHint, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

/// <summary>
/// Per-account traffic features (table <c>AccountTraffic</c>, PK account, RK window|instance, and a profile row).
/// <see cref="Record"/> never blocks or throws for a storage fault: observations queue up (bounded) and are reduced
/// and written in the background, like the issuance log.
/// </summary>
public interface ITrafficLog
{
    /// <summary>Queues one observation. Returns false only when it was not queued (the bounded queue is full).</summary>
    bool Record(TrafficObservation observation);

    /// <summary>Every account's features merged over the windows from <paramref name="since"/> on.</summary>
    Task<IReadOnlyList<AccountTrafficWindow>> QueryAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>The profile of <paramref name="accountId"/>, or null when no request of it was recorded.</summary>
    Task<AccountProfile?> GetProfileAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>Waits until everything queued so far is written (or the token fires).</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}
