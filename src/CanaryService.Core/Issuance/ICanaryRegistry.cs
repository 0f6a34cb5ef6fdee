namespace CanaryService.Core.Issuance;

/// <summary>A topic canary as registered before it is first emitted (table <c>CanaryRegistry</c>, PK epoch, RK topic).</summary>
/// <param name="Epoch">The canary epoch, e.g. <c>2026-11</c>; the same topic keeps its canary within an epoch.</param>
/// <param name="Topic">The topic bucket key (normalised salient words joined by <c>+</c>).</param>
/// <param name="TopicWords">The salient words, for building probe prompts about this topic.</param>
/// <param name="Candidates">All D+1 candidate phrases (the emitted one and its decoys), in generation order.</param>
/// <param name="Commitment">Hex SHA-256 commitment to the secret index (so the index can be revealed later and checked).</param>
/// <param name="CreatedAt">When the row was first written.</param>
public sealed record CanaryRecord(
    string Epoch,
    string Topic,
    IReadOnlyList<string> TopicWords,
    IReadOnlyList<string> Candidates,
    string Commitment,
    DateTimeOffset CreatedAt);

/// <summary>Registry of topic canaries.</summary>
public interface ICanaryRegistry
{
    /// <summary>Writes the row if it does not exist yet (idempotent; an existing row is kept as it is).</summary>
    Task RegisterAsync(CanaryRecord record, CancellationToken cancellationToken = default);

    /// <summary>Every registered canary, optionally of one epoch.</summary>
    IAsyncEnumerable<CanaryRecord> ListAsync(string? epoch = null, CancellationToken cancellationToken = default);
}
