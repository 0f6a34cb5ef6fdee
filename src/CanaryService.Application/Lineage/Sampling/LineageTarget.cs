using CanaryService.Application.Configuration;

namespace CanaryService.Application.Lineage.Sampling;

/// <summary>Where a sampled model comes from.</summary>
public enum LineageTargetKind
{
    /// <summary>A competitor of <c>Probe:Competitors</c>.</summary>
    Competitor,

    /// <summary>A reference model of <c>Lineage:References</c>.</summary>
    Reference,

    /// <summary>One of the provider's own models (<c>Lineage:OwnModels</c>), asked straight at the upstream.</summary>
    Own,
}

/// <summary>One model the lineage prompts are asked of.</summary>
/// <param name="Name">The name its samples are filed under.</param>
/// <param name="Kind">Where it comes from.</param>
/// <param name="Endpoint">How to reach it, or null when it cannot be reached (see <paramref name="Problem"/>).</param>
/// <param name="Problem">Why it cannot be reached, when <paramref name="Endpoint"/> is null.</param>
public sealed record LineageTarget(string Name, LineageTargetKind Kind, CompetitorOptions? Endpoint, string? Problem = null);

/// <summary>What one tick did for one model.</summary>
/// <param name="Name">The model's name.</param>
/// <param name="Kind">Where it comes from.</param>
/// <param name="Asked">Prompts sent.</param>
/// <param name="Answered">Answers stored as lineage samples.</param>
/// <param name="Requests">HTTP requests spent, retries included.</param>
/// <param name="NextPosition">Where the next tick starts in the prompt set (unchanged when nothing could be stored; -1 when the model could not be sampled at all).</param>
/// <param name="Errors">What went wrong, short and secret-free.</param>
public sealed record LineageTargetResult(string Name, LineageTargetKind Kind, int Asked, int Answered, int Requests, long NextPosition, IReadOnlyList<string> Errors);

/// <summary>What one tick did.</summary>
/// <param name="RunId">The tick's id (the transcripts' run id).</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="CompletedAt">When the last model finished.</param>
/// <param name="Targets">Each model's outcome.</param>
public sealed record LineageSamplingReport(string RunId, DateTimeOffset StartedAt, DateTimeOffset CompletedAt, IReadOnlyList<LineageTargetResult> Targets);
