using CanaryService.Application.Configuration;
using CanaryService.Application.Proxy.Forwarding;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Issuance;
using CanaryService.Core.Marking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace CanaryService.Application.Proxy;

/// <summary>Registers the marking proxy.</summary>
public static class ProxyServiceCollectionExtensions
{
    /// <summary>
    /// Adds the proxy, bound to the <c>Upstream</c> and <c>Proxy</c> configuration sections. It needs a
    /// <see cref="Core.Keys.CanaryKeyRing"/>; it marks when an <see cref="CanaryMarker"/> is registered and
    /// records issuance when an <see cref="IIssuanceLog"/> is, and samples the prompts behind marked answers when an
    /// <see cref="IPromptSampleLog"/> is (and <see cref="ProxyOptions.SamplePrompts"/> is on), and records every request's
    /// traffic features when an <see cref="ITrafficLog"/> is (and <see cref="ProxyOptions.RecordTraffic"/> is on), and
    /// gives a stored answer fetched again the phrase canary it carried when created when an <see cref="IStoredCanaryIndex"/> is. It counts the requests it handles (<see cref="ProxyMetrics"/>).
    /// </summary>
    public static IServiceCollection AddCanaryProxy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<UpstreamOptions>().Bind(configuration.GetSection(UpstreamOptions.SectionName));
        services.AddOptions<ProxyOptions>().Bind(configuration.GetSection(ProxyOptions.SectionName));
        services.AddHttpForwarder();
        services.AddMetrics();
        services.TryAddSingleton<ProxyMetrics>();
        services.TryAddSingleton<AccountResolver>();
        services.TryAddSingleton(static provider =>
        {
            IOptions<ProxyOptions> proxy = provider.GetRequiredService<IOptions<ProxyOptions>>();
            return new CanaryProxy(
                provider.GetRequiredService<IHttpForwarder>(),
                provider.GetRequiredService<IOptions<UpstreamOptions>>(),
                proxy,
                provider.GetRequiredService<AccountResolver>(),
                provider.GetService<CanaryMarker>(),
                provider.GetService<IIssuanceLog>(),
                proxy.Value.SamplePrompts ? provider.GetService<IPromptSampleLog>() : null,
                provider.GetRequiredService<ProxyMetrics>(),
                provider.GetRequiredService<ILogger<CanaryProxy>>(),
                proxy.Value.RecordTraffic ? provider.GetService<ITrafficLog>() : null,
                provider.GetService<IStoredCanaryIndex>());
        });
        return services;
    }
}
