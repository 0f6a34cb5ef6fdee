namespace CanaryService.Core.Operations;

/// <summary>Where a long operation stands.</summary>
public enum OperationStatus
{
    /// <summary>Accepted and waiting for a worker.</summary>
    Queued,

    /// <summary>A worker is running it.</summary>
    Running,

    /// <summary>It finished; the record carries its result summary.</summary>
    Succeeded,

    /// <summary>It ended without a result; the record says why.</summary>
    Failed,
}

/// <summary>
/// One long operation (a probe run, a monitor run) accepted by the API and run in the background (table
/// <c>Operations</c>). <paramref name="Result"/> is a small JSON summary; <paramref name="Error"/> a message for an
/// operator, never a stack trace or a secret.
/// </summary>
/// <param name="Id">The operation id (32 lowercase hex digits).</param>
/// <param name="Kind">What it runs, e.g. <c>probes.run</c>.</param>
/// <param name="Parameters">The parameters it was requested with.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="CreatedAt">When it was accepted.</param>
/// <param name="StartedAt">When a worker started it.</param>
/// <param name="FinishedAt">When it succeeded or failed.</param>
/// <param name="Result">The JSON summary of a succeeded operation.</param>
/// <param name="Error">Why a failed operation failed.</param>
public sealed record OperationRecord(
    string Id,
    string Kind,
    IReadOnlyDictionary<string, string> Parameters,
    OperationStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Result,
    string? Error);

/// <summary>The records of long operations.</summary>
public interface IOperationStore
{
    /// <summary>Writes <paramref name="operation"/>, replacing the record of the same id.</summary>
    Task SaveAsync(OperationRecord operation, CancellationToken cancellationToken = default);

    /// <summary>The record of <paramref name="id"/>, or null when there is none.</summary>
    Task<OperationRecord?> GetAsync(string id, CancellationToken cancellationToken = default);
}
