using System.Security.Cryptography;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using CanaryService.Core.Keys;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Evidence;
using CanaryService.Core.Issuance;
using CanaryService.Core.Operations;
using CanaryService.Core.Probing;
using CanaryService.Storage.Evidence;
using CanaryService.Storage.Issuance;
using CanaryService.Storage.Operations;
using CanaryService.Storage.ProbeRuns;
using CanaryService.Storage.PromptSamples;
using CanaryService.Storage.Registry;
using CanaryService.Storage.StoredCanaries;
using CanaryService.Storage.Campaigns;
using CanaryService.Storage.Traffic;
using CanaryService.Storage.Transcripts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CanaryService.Storage.Setup;

/// <summary>Registers the Azure Storage implementations of the engine's storage ports.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="StorageOptions"/> from the <c>Storage</c> section of <paramref name="configuration"/> and
    /// registers, as singletons, the storage clients, <see cref="ICanaryRegistry"/>, <see cref="IIssuanceLog"/>
    /// (with its background writer), <see cref="IPromptSampleLog"/>, <see cref="ITrafficLog"/> and <see cref="IStoredCanaryIndex"/> (likewise), <see cref="IMonitorResultStore"/>, <see cref="IProbeRunLog"/>, <see cref="IOperationStore"/>, <see cref="IEvidenceLedger"/>,
    /// <see cref="ITranscriptStore"/>, and the <see cref="StorageInitializer"/> that creates tables and containers.
    /// </summary>
    /// <remarks>
    /// With <c>Storage:ConnectionString</c> the clients use it; otherwise <c>Storage:TableServiceUri</c> and
    /// <c>Storage:BlobServiceUri</c> (and optionally <c>Storage:QueueServiceUri</c>) with
    /// <c>DefaultAzureCredential</c> (a user-assigned identity when <c>Storage:ManagedIdentityClientId</c> is set).
    /// A missing setting is reported as a <see cref="CanaryConfigurationException"/> when a client is first resolved.
    /// </remarks>
    public static IServiceCollection AddCanaryStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());

        services.TryAddSingleton<TokenCredential>(sp => CreateCredential(Options(sp)));
        services.TryAddSingleton(sp => Options(sp) is { ConnectionString: { Length: > 0 } connection }
            ? new TableServiceClient(connection)
            : new TableServiceClient(Require(Options(sp).TableServiceUri, "TableServiceUri"), sp.GetRequiredService<TokenCredential>()));
        services.TryAddSingleton(sp => Options(sp) is { ConnectionString: { Length: > 0 } connection }
            ? new BlobServiceClient(connection)
            : new BlobServiceClient(Require(Options(sp).BlobServiceUri, "BlobServiceUri"), sp.GetRequiredService<TokenCredential>()));
        services.TryAddSingleton(sp => Options(sp) is { ConnectionString: { Length: > 0 } connection }
            ? new QueueServiceClient(connection)
            : new QueueServiceClient(Require(Options(sp).QueueServiceUri, "QueueServiceUri"), sp.GetRequiredService<TokenCredential>()));

        services.TryAddSingleton<ICanaryRegistry>(sp => new TableCanaryRegistry(Table(sp, Options(sp).RegistryTable), Options(sp).RegistryWriteTimeout));
        services.TryAddSingleton(sp => new TableIssuanceLog(Table(sp, Options(sp).IssuanceTable), Options(sp), sp.GetService<ILogger<TableIssuanceLog>>()));
        services.TryAddSingleton<IIssuanceLog>(sp => sp.GetRequiredService<TableIssuanceLog>());
        services.TryAddSingleton(sp => new TablePromptSampleLog(
            Table(sp, Options(sp).PromptSampleTable),
            Options(sp),
            PromptSampleKey(sp),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<TablePromptSampleLog>>()));
        services.TryAddSingleton<IPromptSampleLog>(sp => sp.GetRequiredService<TablePromptSampleLog>());
        services.TryAddSingleton(sp => new TableTrafficLog(
            Table(sp, Options(sp).TrafficTable),
            Options(sp),
            TrafficSketchKey(sp),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<TableTrafficLog>>()));
        services.TryAddSingleton<ITrafficLog>(sp => sp.GetRequiredService<TableTrafficLog>());
        services.TryAddSingleton(sp => new TableStoredCanaryIndex(
            Table(sp, Options(sp).StoredCanaryTable),
            Options(sp),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<TableStoredCanaryIndex>>()));
        services.TryAddSingleton<IStoredCanaryIndex>(sp => sp.GetRequiredService<TableStoredCanaryIndex>());
        services.TryAddSingleton<IMonitorResultStore>(sp => new TableMonitorResultStore(Table(sp, Options(sp).CampaignTable)));
        services.TryAddSingleton<IProbeRunLog>(sp => new TableProbeRunLog(Table(sp, Options(sp).ProbeRunsTable)));
        services.TryAddSingleton<IOperationStore>(sp => new TableOperationStore(Table(sp, Options(sp).OperationsTable)));
        services.TryAddSingleton<ITranscriptStore>(sp => new BlobTranscriptStore(
            sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(Options(sp).TranscriptContainer)));
        services.TryAddSingleton<IEvidenceLedger>(sp => new TableEvidenceLedger(Table(sp, Options(sp).EvidenceTable), sp.GetRequiredService<ITranscriptStore>()));

        services.TryAddSingleton<StorageInitializer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StorageInitializer>(sp => sp.GetRequiredService<StorageInitializer>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TableIssuanceLog>(sp => sp.GetRequiredService<TableIssuanceLog>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TablePromptSampleLog>(sp => sp.GetRequiredService<TablePromptSampleLog>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TableTrafficLog>(sp => sp.GetRequiredService<TableTrafficLog>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TableStoredCanaryIndex>(sp => sp.GetRequiredService<TableStoredCanaryIndex>()));
        return services;
    }

    private static StorageOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<StorageOptions>>().Value;

    /// <summary>
    /// The key of the sample's priorities: from the key ring when the service has one (every instance then ranks a
    /// prompt alike, so their samples merge). Without one (storage used on its own) a per-process key still gives a
    /// uniform sample; instances then just rank differently.
    /// </summary>
    private static byte[] PromptSampleKey(IServiceProvider services) =>
        services.GetService<CanaryKeyRing>()?.PromptSampleKey ?? RandomNumberGenerator.GetBytes(32);

    /// <summary>The key of the traffic sketches: the key ring's (so instances merge), or a per-process one when storage is used on its own.</summary>
    private static byte[] TrafficSketchKey(IServiceProvider services) =>
        services.GetService<CanaryKeyRing>()?.TrafficSketchKey ?? RandomNumberGenerator.GetBytes(32);

    private static TableClient Table(IServiceProvider services, string name) => services.GetRequiredService<TableServiceClient>().GetTableClient(name);

    private static DefaultAzureCredential CreateCredential(StorageOptions options) => new DefaultAzureCredential(new DefaultAzureCredentialOptions
    {
        ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) ? null : options.ManagedIdentityClientId,
    });

    private static Uri Require(Uri? uri, string setting) => uri ?? throw new CanaryConfigurationException(
        $"Storage is not configured: set {StorageOptions.SectionName}:ConnectionString, or {StorageOptions.SectionName}:{setting} " +
        $"(with the other service URIs) to use a managed identity. Environment variables use '__' for ':'.");
}
