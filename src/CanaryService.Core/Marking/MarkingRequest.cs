using CanaryService.Core.Issuance;

namespace CanaryService.Core.Marking;

/// <summary>Who asked what: the input of <see cref="CanaryMarker.BeginAsync"/>.</summary>
/// <param name="AccountId">The caller's account (never a raw API key).</param>
/// <param name="PromptText">The prompt (user messages), for the topic bucket; may be empty.</param>
/// <param name="ResponseId">
/// The caller's id of this response when it has one (a stored response, a batch line): two responses to the same
/// prompt then draw independently, while the same response marked twice still draws the same. Null when unknown.
/// </param>
public sealed record MarkingRequest(string AccountId, string? PromptText, string? ResponseId = null)
{
    /// <summary>
    /// The phrase canary this answer carried when it was created, for a stored answer fetched again: it carries the
    /// same canary instead of a new draw (a fetch has no prompt), so the copy reads as the one first sent.
    /// </summary>
    public StoredCanary? Stored { get; init; }

    /// <summary>
    /// When the answer was created, for one marked later than that (a batch's output, created when the batch was): its
    /// canary is that time's epoch's, so every download of it reads the same. Null: now.
    /// </summary>
    public DateTimeOffset? CreatedAt { get; init; }
}
