using System.ClientModel;
using System.ClientModel.Primitives;
using CanaryService.Application.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace CanaryService.Application.Probing;

/// <summary>
/// Builds the <see cref="IChatClient"/> a run uses for one competitor: the OpenAI adapter pointed at its base URL,
/// with the run's request budget counted at the transport (every attempt), the SDK's own retries off, and our
/// retries, time-outs, concurrency and rate limit on top.
/// </summary>
public sealed class CompetitorChatClientFactory
{
    private readonly IOptionsMonitor<ProbeOptions> _options;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the factory.</summary>
    public CompetitorChatClientFactory(IOptionsMonitor<ProbeOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _timeProvider = timeProvider;
    }

    /// <summary>A client for one run against <paramref name="competitor"/>, spending <paramref name="budget"/>. Dispose it after the run.</summary>
    public IChatClient Create(CompetitorOptions competitor, RequestBudget budget)
    {
        ArgumentNullException.ThrowIfNull(competitor);
        ArgumentNullException.ThrowIfNull(budget);
        if (competitor.BaseUrl is null || string.IsNullOrWhiteSpace(competitor.ApiKey))
        {
            throw new ArgumentException($"Competitor '{competitor.Name}' has no base URL or API key.", nameof(competitor));
        }

        TimeSpan timeout = TimeSpan.FromSeconds(competitor.TimeoutSeconds);
        OpenAIClientOptions sdkOptions = new()
        {
            Endpoint = competitor.BaseUrl,
            // Our RetryingChatClient retries; the SDK must not retry behind the budget's back.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // A backstop only: the attempt time-out in RetryingChatClient fires first.
            NetworkTimeout = timeout + TimeSpan.FromSeconds(5),
        };
        sdkOptions.AddPolicy(new RequestBudgetPolicy(budget), PipelinePosition.PerTry);

        IChatClient adapter = new OpenAIClient(new ApiKeyCredential(competitor.ApiKey), sdkOptions)
            .GetChatClient(competitor.Model)
            .AsIChatClient();

        return adapter.AsBuilder()
            .UseProbeRetries(competitor.MaxRetries, timeout, TimeSpan.FromSeconds(_options.CurrentValue.RetryBaseDelaySeconds), _timeProvider)
            .UseRateLimiting(competitor.Concurrency, competitor.RequestsPerMinute)
            .Build();
    }
}
