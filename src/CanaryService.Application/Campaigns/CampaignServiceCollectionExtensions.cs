using CanaryService.Application.Campaigns;
using CanaryService.Application.Probing;
using CanaryService.Application.Proxy.Forwarding;
using CanaryService.Core.Campaigns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the extraction monitor and the accounts and clusters API.</summary>
public static class CampaignServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="CampaignOptions"/> (section <c>Campaigns</c>, validated at startup), the
    /// <see cref="ExtractionMonitorRunner"/> and the <see cref="CampaignHandlers"/>. The traffic log and result store
    /// come from <c>AddCanaryStorage</c>; the account resolver is the proxy's (<c>AddCanaryProxy</c>), or added here.
    /// </summary>
    public static IServiceCollection AddCanaryCampaigns(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CampaignOptions>().Bind(configuration.GetSection(CampaignOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CampaignOptions>, CampaignOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(VerdictAlerts.WebhookClientName);
        services.TryAddSingleton<ExtractionMonitorRunner>();
        services.TryAddSingleton<AccountResolver>(); // the proxy's, when it is registered: the lookup hashes keys alike
        services.TryAddSingleton(static provider => new CampaignHandlers(
            provider.GetRequiredService<AccountResolver>(),
            provider.GetRequiredService<ITrafficLog>(),
            provider.GetRequiredService<ExtractionMonitorRunner>()));
        return services;
    }

    /// <summary>Names a bad <c>Campaigns</c> setting at startup.</summary>
    private sealed class CampaignOptionsValidator : IValidateOptions<CampaignOptions>
    {
        public ValidateOptionsResult Validate(string? name, CampaignOptions options)
        {
            try
            {
                _ = new ExtractionMonitor(options);
                return options.WebhookUrl is { IsAbsoluteUri: false }
                    ? ValidateOptionsResult.Fail("Campaigns:WebhookUrl must be an absolute URL.")
                    : ValidateOptionsResult.Success;
            }
            catch (ArgumentOutOfRangeException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
    }
}
