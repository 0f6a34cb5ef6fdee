using CanaryService.Application.Operations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the in-process runner of long operations.</summary>
public static class OperationsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Host's <see cref="ChannelOperationDispatcher"/> (as <see cref="IOperationDispatcher"/>) and the
    /// <see cref="OperationWorker"/> that runs it; the Host calls this, the Functions app queues operations in
    /// storage instead. The handlers and the executor come from <c>AddCanaryProbing</c>.
    /// </summary>
    public static IServiceCollection AddCanaryOperationWorker(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ChannelOperationDispatcher>();
        services.TryAddSingleton<IOperationDispatcher>(sp => sp.GetRequiredService<ChannelOperationDispatcher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OperationWorker>());
        return services;
    }
}
