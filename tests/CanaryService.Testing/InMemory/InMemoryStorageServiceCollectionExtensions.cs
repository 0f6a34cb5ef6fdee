using System.Security.Cryptography;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Evidence;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Lineage;
using CanaryService.Core.Operations;
using CanaryService.Core.Probing;
using CanaryService.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// Registers the in-memory fakes as the service's storage ports, in place of <c>AddCanaryStorage</c> and
/// <c>AddCanaryLineageStorage</c>, for tests whose subject is not storage: no storage client, no initializer, no
/// background writer. Each port is added only when absent, so a test registers its own (a fault-injecting wrapper)
/// first, exactly as with the real registration.
/// </summary>
public static class InMemoryStorageServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="StorageOptions"/> from <paramref name="configuration"/>'s <c>Storage</c> section (the prompt
    /// sample's settings) and adds every storage port as its fake, keyed like the real ones: by the
    /// <see cref="CanaryKeyRing"/> when one is registered.
    /// </summary>
    public static IServiceCollection AddInMemoryCanaryStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICanaryRegistry, InMemoryCanaryRegistry>();
        services.TryAddSingleton<IIssuanceLog, InMemoryIssuanceLog>();
        services.TryAddSingleton<IPromptSampleLog>(sp => new InMemoryPromptSampleLog(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value,
            sp.GetService<CanaryKeyRing>()?.PromptSampleKey ?? RandomNumberGenerator.GetBytes(32),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ITrafficLog>(sp => new InMemoryTrafficLog(sp.GetService<CanaryKeyRing>()?.TrafficSketchKey ?? RandomNumberGenerator.GetBytes(32)));
        services.TryAddSingleton<IStoredCanaryIndex>(sp => new InMemoryStoredCanaryIndex(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IMonitorResultStore, InMemoryMonitorResultStore>();
        services.TryAddSingleton<IProbeRunLog, InMemoryProbeRunLog>();
        services.TryAddSingleton<IOperationStore, InMemoryOperationStore>();
        services.TryAddSingleton<ITranscriptStore, InMemoryTranscriptStore>();
        services.TryAddSingleton<IEvidenceLedger>(sp => new InMemoryEvidenceLedger(sp.GetRequiredService<ITranscriptStore>()));
        services.TryAddSingleton<ILineageSampleStore, InMemoryLineageSampleStore>();
        services.TryAddSingleton<ILineageSamplingPositions, InMemoryLineageSamplingPositions>();
        return services;
    }
}
