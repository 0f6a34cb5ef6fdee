namespace CanaryService.Core.Marking;

/// <summary>Who asked what: the input of <see cref="CanaryMarker.BeginAsync"/>.</summary>
/// <param name="AccountId">The caller's account (never a raw API key).</param>
/// <param name="PromptText">The prompt (user messages), for the topic bucket; may be empty.</param>
public sealed record MarkingRequest(string AccountId, string? PromptText);
