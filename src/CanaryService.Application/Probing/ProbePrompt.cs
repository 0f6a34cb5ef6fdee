namespace CanaryService.Application.Probing;

/// <summary>One prompt a run sends to a competitor.</summary>
/// <param name="Kind"><see cref="ProbePrompt.TopicKind"/>, <see cref="ProbePrompt.OpenKind"/> or <see cref="ProbePrompt.ReplayKind"/>.</param>
/// <param name="Epoch">For topic prompts: the canary's epoch.</param>
/// <param name="Topic">For topic prompts: the canary's topic key.</param>
/// <param name="Text">The prompt text (recorded in the transcript so its contexts are excluded from scoring).</param>
/// <param name="Account">For replay prompts: the account whose prompt sample it came from.</param>
/// <param name="Form">For replay prompts: <see cref="ProbePrompt.VerbatimForm"/> or <see cref="ProbePrompt.RewordedForm"/>.</param>
public sealed record ProbePrompt(string Kind, string? Epoch, string? Topic, string Text, string? Account = null, string? Form = null)
{
    /// <summary>A prompt about the topic of an issued canary: a distilled model tends to bring the canary back.</summary>
    public const string TopicKind = "topic";

    /// <summary>An open prose prompt whose natural answer uses many lexicon words.</summary>
    public const string OpenKind = "open";

    /// <summary>A prompt an attribution candidate asked us, asked again: a student answers it in the words it was taught.</summary>
    public const string ReplayKind = "replay";

    /// <summary>A prompt of the lineage prompt set, asked to sample a model's style (never scored for marks).</summary>
    public const string LineageKind = "lineage";

    /// <summary>A replay sent exactly as the account asked it.</summary>
    public const string VerbatimForm = "verbatim";

    /// <summary>A replay sent with a polite prefix or suffix (<see cref="ReplayRewording"/>).</summary>
    public const string RewordedForm = "reworded";
}
