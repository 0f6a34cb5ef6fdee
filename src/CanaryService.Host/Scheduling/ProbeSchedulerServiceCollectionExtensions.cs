using CanaryService.Host.Scheduling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Host's probe scheduler.</summary>
internal static class ProbeSchedulerServiceCollectionExtensions
{
    /// <summary>Runs probes on <c>Probe:Schedule</c> in the background (needs <c>AddCanaryProbing</c>).</summary>
    public static IServiceCollection AddCanaryProbeScheduler(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHostedService<ProbeScheduler>();
        return services;
    }
}
