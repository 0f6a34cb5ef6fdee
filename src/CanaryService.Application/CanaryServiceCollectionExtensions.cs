using CanaryService.Application.Proxy;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Storage.Setup;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CanaryService.Application;

/// <summary>Registers the whole Canary Service; hosts (ASP.NET Core, Functions) call this and map the routes.</summary>
public static class CanaryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the key ring (from <c>Canary:MasterKey</c>), the marking engine, the storage ports (<c>Storage</c>), the
    /// marking proxy (<c>Upstream</c>, <c>Proxy</c>), the probe runner and the evidence API's handlers
    /// (<c>Probe</c>, <c>Detection</c>, <c>Evidence</c>), the lineage API (<c>Lineage</c>), and the extraction monitor with the accounts and clusters API (<c>Campaigns</c>). A missing or short master key fails when the services are
    /// first resolved (at startup, when the routes are mapped) with a <see cref="CanaryConfigurationException"/>
    /// that says what to set.
    /// </summary>
    public static IServiceCollection AddCanaryService(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        // One section, two owners: the key ring's master key, and the marker's settings.
        IConfigurationSection canary = configuration.GetSection(CanaryOptions.SectionName);
        services.AddOptions<CanaryOptions>().Bind(canary);
        services.AddOptions<CanaryMarkerOptions>().Bind(canary);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static provider => new CanaryKeyRing(MasterKey.FromBase64(CanaryOptionsOf(provider).MasterKey)));
        services.TryAddSingleton(static provider => new CanaryMarker(
            provider.GetRequiredService<CanaryKeyRing>(),
            provider.GetRequiredService<IOptions<CanaryMarkerOptions>>().Value,
            provider.GetRequiredService<ICanaryRegistry>(),
            provider.GetRequiredService<TimeProvider>()));

        services.AddCanaryStorage(configuration);
        services.AddCanaryProxy(configuration);
        services.AddCanaryProbing(configuration);
        services.AddCanaryLineage(configuration);
        return services;
    }

    private static CanaryOptions CanaryOptionsOf(IServiceProvider provider) =>
        provider.GetRequiredService<IOptions<CanaryOptions>>().Value;
}
