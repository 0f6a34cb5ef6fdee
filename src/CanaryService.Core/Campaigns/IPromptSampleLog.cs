namespace CanaryService.Core.Campaigns;

/// <summary>The prompt behind one marked answer, as the proxy saw it.</summary>
/// <param name="AccountId">Who asked it (never a raw API key).</param>
/// <param name="At">When the marked answer was issued.</param>
/// <param name="Prompt">The text of the caller's last user message.</param>
public sealed record PromptSample(string AccountId, DateTimeOffset At, string Prompt);

/// <summary>A prompt kept in an account's sample for one window.</summary>
/// <param name="AccountId">Who asked it.</param>
/// <param name="WindowStart">The start of the sampling window it was asked in.</param>
/// <param name="Prompt">The prompt text.</param>
public sealed record SampledPrompt(string AccountId, DateTimeOffset WindowStart, string Prompt);

/// <summary>
/// A bounded, uniform sample of the prompts behind each account's marked answers, per account and window (table
/// <c>PromptSamples</c>), kept for a retention period so probes can ask competitors those prompts again.
/// <see cref="Record"/> never blocks or throws for a storage fault: samples queue up (bounded) and are written in the
/// background with retries.
/// </summary>
public interface IPromptSampleLog
{
    /// <summary>Queues one prompt for sampling. Returns false only when it was not queued (the bounded queue is full, or the prompt is empty or too long to keep).</summary>
    bool Record(PromptSample sample);

    /// <summary>
    /// Up to <paramref name="maxPrompts"/> of the prompts kept for <paramref name="accountId"/> in the windows still
    /// retained, oldest window first. When there are more, a uniform choice that <paramref name="draw"/> decides: the
    /// same draw gives the same prompts, another draw others.
    /// </summary>
    Task<IReadOnlyList<SampledPrompt>> ReadAsync(string accountId, int maxPrompts, ulong draw = 0, CancellationToken cancellationToken = default);

    /// <summary>Waits until everything queued so far is written (or the token fires).</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}
