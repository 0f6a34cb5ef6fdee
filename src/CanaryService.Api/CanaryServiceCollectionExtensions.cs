using CanaryService.Api.Configuration;
using CanaryService.Api.Proxy;
using CanaryService.Core.Keys;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CanaryService.Api;

/// <summary>Registers the whole Canary Service; hosts (ASP.NET Core, Functions) call this and map the routes.</summary>
public static class CanaryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the key ring (from <c>Canary:MasterKey</c>), the marking proxy (<c>Upstream</c>, <c>Proxy</c>) and the
    /// parts they use. A missing or short master key fails when the services are first resolved (at startup, when
    /// the routes are mapped) with a <see cref="CanaryConfigurationException"/> that says what to set.
    /// </summary>
    public static IServiceCollection AddCanaryService(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CanaryOptions>().Bind(configuration.GetSection(CanaryOptions.SectionName));
        services.TryAddSingleton(static provider =>
        {
            CanaryOptions options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<CanaryOptions>>().Value;
            return new CanaryKeyRing(MasterKey.FromBase64(options.MasterKey));
        });

        services.AddCanaryProxy(configuration);

        // Probing and the evidence API register here.
        return services;
    }
}
