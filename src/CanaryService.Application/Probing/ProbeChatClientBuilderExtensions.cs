using Microsoft.Extensions.AI;

namespace CanaryService.Application.Probing;

/// <summary>Builder extensions for the probe's chat client middleware.</summary>
public static class ProbeChatClientBuilderExtensions
{
    /// <summary>Adds <see cref="RetryingChatClient"/>: bounded retries with back-off, and a time-out per attempt.</summary>
    public static ChatClientBuilder UseProbeRetries(this ChatClientBuilder builder, int maxRetries, TimeSpan attemptTimeout, TimeSpan baseDelay, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new RetryingChatClient(inner, maxRetries, attemptTimeout, baseDelay, timeProvider));
    }

    /// <summary>Adds <see cref="RateLimitingChatClient"/>: a concurrency limit and a request rate.</summary>
    public static ChatClientBuilder UseRateLimiting(this ChatClientBuilder builder, int concurrency, int requestsPerMinute)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new RateLimitingChatClient(inner, concurrency, requestsPerMinute));
    }
}
