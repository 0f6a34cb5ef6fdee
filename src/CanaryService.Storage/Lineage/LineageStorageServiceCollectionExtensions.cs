using Azure.Storage.Blobs;
using CanaryService.Core.Lineage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CanaryService.Storage.Lineage;

/// <summary>Where the lineage samples go (configuration section <c>Lineage</c>).</summary>
public sealed class LineageStorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Lineage";

    /// <summary>The blob container of the uploads [lineage].</summary>
    public string Container { get; set; } = "lineage";
}

/// <summary>Registers the lineage sample store.</summary>
public static class LineageStorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ILineageSampleStore"/> on the <see cref="BlobServiceClient"/> that <c>AddCanaryStorage</c> registers,
    /// in the container <c>Lineage:Container</c>, and <see cref="ILineageSamplingPositions"/> beside it.
    /// </summary>
    public static IServiceCollection AddCanaryLineageStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LineageStorageOptions>().Bind(configuration.GetSection(LineageStorageOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILineageSampleStore>(sp => new BlobLineageSampleStore(
            sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(sp.GetRequiredService<IOptions<LineageStorageOptions>>().Value.Container),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ILineageSamplingPositions>(sp => new BlobLineageSamplingPositions(
            sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(sp.GetRequiredService<IOptions<LineageStorageOptions>>().Value.Container)));
        return services;
    }
}
