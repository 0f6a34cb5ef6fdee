using System.ClientModel;
using System.Net;
using Microsoft.Extensions.AI;

namespace CanaryService.Application.Probing;

/// <summary>
/// Retries a chat request after a transient failure (time-out, 408, 429, 5xx, connection fault), with bounded
/// exponential back-off and jitter, and bounds every attempt by a time-out. A spent request budget, a client
/// error or an unreadable answer is not retried.
/// </summary>
public sealed class RetryingChatClient : DelegatingChatClient
{
    private readonly int _maxRetries;
    private readonly TimeSpan _attemptTimeout;
    private readonly TimeSpan _baseDelay;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the client.</summary>
    /// <param name="innerClient">The client that sends one attempt.</param>
    /// <param name="maxRetries">Retries after the first attempt.</param>
    /// <param name="attemptTimeout">How long one attempt may take.</param>
    /// <param name="baseDelay">The first back-off delay; it doubles with each retry.</param>
    /// <param name="timeProvider">The clock for delays and time-outs.</param>
    public RetryingChatClient(IChatClient innerClient, int maxRetries, TimeSpan attemptTimeout, TimeSpan baseDelay, TimeProvider? timeProvider = null)
        : base(innerClient)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(attemptTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(baseDelay, TimeSpan.Zero);
        _maxRetries = maxRetries;
        _attemptTimeout = attemptTimeout;
        _baseDelay = baseDelay;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        List<ChatMessage> list = [.. messages];
        Exception? lastFailure = null;
        for (int attempt = 0; ; attempt++)
        {
            using CancellationTokenSource timeout = new(_attemptTimeout, _timeProvider);
            using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                return await base.GetResponseAsync(list, options, linked.Token).ConfigureAwait(false);
            }
            catch (RequestBudgetExhaustedException) when (lastFailure is not null)
            {
                // The retry was not sent: the prompt failed for the reason of its last attempt.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(lastFailure);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                lastFailure = new TimeoutException($"No answer within {_attemptTimeout.TotalSeconds:0.###} s (attempt {attempt + 1} of {_maxRetries + 1}).");
                if (attempt >= _maxRetries)
                {
                    throw lastFailure;
                }
            }
            catch (Exception ex) when (attempt < _maxRetries && IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                lastFailure = ex;
            }

            await Task.Delay(Backoff(attempt), _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Streaming is not retried (a partial stream cannot be replayed); each stream is still bounded by the attempt time-out.</summary>
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetStreamingResponseAsync(messages, options, cancellationToken);

    /// <summary>Whether a failure may go away on its own.</summary>
    internal static bool IsTransient(Exception exception) => exception switch
    {
        RequestBudgetExhaustedException => false,
        ClientResultException { Status: 0 } => true, // no response at all: connection fault
        ClientResultException result => result.Status is (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500,
        HttpRequestException or IOException or TimeoutException => true,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    private TimeSpan Backoff(int attempt)
    {
        double factor = Math.Pow(2, Math.Min(attempt, 10));
        double jitter = 0.5 + (Random.Shared.NextDouble() / 2);
        return TimeSpan.FromTicks((long)(_baseDelay.Ticks * factor * jitter));
    }
}
