using System.Threading.RateLimiting;
using Microsoft.Extensions.AI;

namespace CanaryService.Application.Probing;

/// <summary>
/// Holds each request to a concurrency limit and a request rate: a concurrency lease for the whole call and one
/// token of the rate limiter before it starts. Waiting requests queue in order.
/// </summary>
public sealed class RateLimitingChatClient : DelegatingChatClient
{
    private readonly ConcurrencyLimiter _concurrency;
    private readonly TokenBucketRateLimiter _rate;

    /// <summary>Creates the client.</summary>
    /// <param name="innerClient">The client to limit.</param>
    /// <param name="concurrency">How many requests may be in flight at once.</param>
    /// <param name="requestsPerMinute">How many requests may start per minute (bursts up to <paramref name="concurrency"/>).</param>
    public RateLimitingChatClient(IChatClient innerClient, int concurrency, int requestsPerMinute)
        : base(innerClient)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(requestsPerMinute, 1);
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = concurrency,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        // The replenishment timer counts whole milliseconds: a shorter period truncates to 0, which fires it once and
        // then never again (every request after the first burst would wait forever). Above 60,000 per minute, add
        // several tokens per period instead.
        int tokensPerPeriod = (requestsPerMinute + 59_999) / 60_000;
        _rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(concurrency, tokensPerPeriod),
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromTicks(TimeSpan.TicksPerMinute * tokensPerPeriod / requestsPerMinute),
            AutoReplenishment = true,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using RateLimitLease slot = await Acquire(_concurrency, cancellationToken).ConfigureAwait(false);
        using RateLimitLease token = await Acquire(_rate, cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using RateLimitLease slot = await Acquire(_concurrency, cancellationToken).ConfigureAwait(false);
        using RateLimitLease token = await Acquire(_rate, cancellationToken).ConfigureAwait(false);
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _concurrency.Dispose();
            _rate.Dispose();
        }

        base.Dispose(disposing);
    }

    private static async ValueTask<RateLimitLease> Acquire(RateLimiter limiter, CancellationToken cancellationToken)
    {
        RateLimitLease lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw new InvalidOperationException("The probe rate limiter refused the request.");
        }

        return lease;
    }
}
