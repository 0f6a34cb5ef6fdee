namespace CanaryService.Core.Lineage;

/// <summary>One answer of one model to one prompt: the unit the lineage fingerprint is built from.</summary>
/// <param name="Model">The model that wrote the answer.</param>
/// <param name="Prompt">The prompt it answered; answers of different models to the same prompt text are compared.</param>
/// <param name="Output">The answer as the model returned it (markdown and code are stripped before counting).</param>
public sealed record LineageSample(string Model, string Prompt, string Output);
