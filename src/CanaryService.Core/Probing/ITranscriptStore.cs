namespace CanaryService.Core.Probing;

/// <summary>One probe prompt sent to a competitor and what came back.</summary>
/// <param name="Kind"><c>topic</c> (asks about an issued canary's topic), <c>open</c> (open prose that draws lexicon words) or <c>replay</c> (a prompt an account asked us, asked again).</param>
/// <param name="Epoch">For topic probes: the canary epoch.</param>
/// <param name="Topic">For topic probes: the canary topic.</param>
/// <param name="Prompt">The prompt text sent (its contexts are excluded from lexical scoring).</param>
/// <param name="Answer">The answer text, or null when the call failed.</param>
/// <param name="Error">What went wrong, when the call failed.</param>
/// <param name="At">When the answer (or failure) arrived.</param>
/// <param name="Account">For <c>replay</c> probes: the account whose sampled prompt this was.</param>
/// <param name="Form">For <c>replay</c> probes: <c>verbatim</c> or <c>reworded</c>.</param>
public sealed record ProbeExchange(
    string Kind,
    string? Epoch,
    string? Topic,
    string Prompt,
    string? Answer,
    string? Error,
    DateTimeOffset At,
    string? Account = null,
    string? Form = null);

/// <summary>A competitor's answers in one probe run.</summary>
public sealed record Transcript(
    string Competitor,
    string RunId,
    DateTimeOffset StartedAt,
    IReadOnlyList<ProbeExchange> Exchanges);

/// <summary>
/// Immutable transcript storage (blob container <c>probes</c>, JSON lines, named by the SHA-256 of the content).
/// </summary>
public interface ITranscriptStore
{
    /// <summary>Stores the transcript and returns its name: the lowercase hex SHA-256 of the stored bytes.</summary>
    Task<string> PutAsync(Transcript transcript, CancellationToken cancellationToken = default);

    /// <summary>Reads a transcript back. Throws <see cref="KeyNotFoundException"/> when there is none by that name.</summary>
    Task<Transcript> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The lowercase hex SHA-256 of the stored bytes as they are now (to detect tampering), or null when missing.</summary>
    Task<string?> ComputeHashAsync(string name, CancellationToken cancellationToken = default);
}
