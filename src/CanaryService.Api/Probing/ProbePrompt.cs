namespace CanaryService.Api.Probing;

/// <summary>One prompt a run sends to a competitor.</summary>
/// <param name="Kind"><see cref="ProbePrompt.TopicKind"/> or <see cref="ProbePrompt.OpenKind"/>.</param>
/// <param name="Epoch">For topic prompts: the canary's epoch.</param>
/// <param name="Topic">For topic prompts: the canary's topic key.</param>
/// <param name="Text">The prompt text (recorded in the transcript so its contexts are excluded from scoring).</param>
public sealed record ProbePrompt(string Kind, string? Epoch, string? Topic, string Text)
{
    /// <summary>A prompt about the topic of an issued canary: a distilled model tends to bring the canary back.</summary>
    public const string TopicKind = "topic";

    /// <summary>An open prose prompt whose natural answer uses many lexicon words.</summary>
    public const string OpenKind = "open";
}
