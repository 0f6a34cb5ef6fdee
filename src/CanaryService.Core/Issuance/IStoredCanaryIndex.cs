namespace CanaryService.Core.Issuance;

/// <summary>The phrase canary an answer carried when it was created and stored by the provider.</summary>
/// <param name="ResponseId">The provider's id of the stored answer (a response's <c>id</c>, a chat completion's <c>id</c>).</param>
/// <param name="CreatedAt">When the answer went out with the canary.</param>
/// <param name="Epoch">The canary's epoch.</param>
/// <param name="Topic">The canary's topic bucket key.</param>
public sealed record StoredCanary(string ResponseId, DateTimeOffset CreatedAt, string Epoch, string Topic);

/// <summary>
/// Which stored answers carried a phrase canary when they were created, so that one fetched again by id
/// (<c>GET /v1/responses/{id}</c>, a stored chat completion) carries the same canary: a fetch has no prompt to draw
/// from. <see cref="Record"/> never blocks or throws for a storage fault; entries are kept for as long as the provider
/// keeps stored answers, and a storage fault on <see cref="FindAsync"/> means the fetched copy carries no canary, never
/// a failed fetch.
/// </summary>
public interface IStoredCanaryIndex
{
    /// <summary>Queues one entry for writing. Returns false only when the bounded queue is full and it was dropped (logged).</summary>
    bool Record(StoredCanary canary);

    /// <summary>The canary the stored answer <paramref name="responseId"/> carried, or null when it carried none.</summary>
    Task<StoredCanary?> FindAsync(string responseId, CancellationToken cancellationToken = default);

    /// <summary>Waits until everything queued so far is written (or the token fires).</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}
