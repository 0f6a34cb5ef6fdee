using CanaryService.Application.Configuration;
using CanaryService.Application.Evidence;
using CanaryService.Application.Operations;
using CanaryService.Application.Probing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the probe runner and the evidence API.</summary>
public static class ProbingServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ProbeOptions"/> and <see cref="EvidenceOptions"/> (validated at startup), the competitor clients,
    /// the planner, the runner, verdict alerts, the evidence API's handlers and the long operations' handlers and executor (with the extraction monitor's, <c>AddCanaryCampaigns</c>). The storage ports come from
    /// <c>AddCanaryStorage</c>, the <c>CanaryKeyRing</c> from <c>AddCanaryService</c>.
    /// </summary>
    public static IServiceCollection AddCanaryProbing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<ProbeOptions>().Bind(configuration.GetSection(ProbeOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProbeOptions>, ProbeOptionsValidator>());
        services.AddOptions<EvidenceOptions>().Bind(configuration.GetSection(EvidenceOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EvidenceOptions>, EvidenceOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddHttpClient(VerdictAlerts.WebhookClientName);
        services.TryAddSingleton<CompetitorChatClientFactory>();
        services.TryAddSingleton<ProbeRunSnapshotReader>();
        services.TryAddSingleton<ProbePlanner>();
        services.TryAddSingleton<VerdictAlerts>();
        services.AddOptions<CanaryService.Core.Detection.DetectionOptions>().Bind(configuration.GetSection(CanaryService.Core.Detection.DetectionOptions.SectionName));
        services.TryAddSingleton<CompetitorScoring>();
        services.TryAddSingleton<ProbeRunner>();
        services.TryAddSingleton<EvidenceReader>();
        services.TryAddSingleton<EvidenceHandlers>();
        services.TryAddSingleton<PromptSampleHandlers>();
        services.TryAddSingleton<OperationExecutor>();
        services.TryAddSingleton<OperationHandlers>();

        // The evidence API maps the accounts and clusters routes too, so whoever maps it has their handlers.
        services.AddCanaryCampaigns(configuration);
        return services;
    }
}
