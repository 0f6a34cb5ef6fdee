namespace CanaryService.Core.Probing;

/// <summary>How a probe run ended.</summary>
public enum ProbeRunStatus
{
    /// <summary>Every planned request was answered.</summary>
    Completed,

    /// <summary>Some requests failed; the answers that came back were scored.</summary>
    Partial,

    /// <summary>No usable answer came back.</summary>
    Failed,
}

/// <summary>One competitor's probe run (table <c>ProbeRuns</c>, PK competitor, RK inverted time).</summary>
public sealed record ProbeRunRecord(
    string Competitor,
    string RunId,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    ProbeRunStatus Status,
    int Requests,
    int Answers,
    int Failures,
    string? TranscriptName,
    IReadOnlyList<string> Errors);

/// <summary>The log of probe runs.</summary>
public interface IProbeRunLog
{
    /// <summary>Records a run.</summary>
    Task AddAsync(ProbeRunRecord run, CancellationToken cancellationToken = default);

    /// <summary>A competitor's runs, newest first.</summary>
    IAsyncEnumerable<ProbeRunRecord> ListAsync(string competitor, CancellationToken cancellationToken = default);
}
