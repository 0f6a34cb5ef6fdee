namespace CanaryService.Core.Lineage;

/// <summary>Where lineage samples are kept (Azure Blob Storage in the service).</summary>
public interface ILineageSampleStore
{
    /// <summary>Stores one upload's samples as a unit and returns its name; nothing is stored if it throws.</summary>
    Task<string> AddAsync(IReadOnlyList<LineageSample> samples, CancellationToken cancellationToken = default);

    /// <summary>Every stored sample, oldest upload first (so a later answer of a model to a prompt replaces an earlier one).</summary>
    IAsyncEnumerable<LineageSample> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>A value that changes whenever an upload is added or altered: the cache key of the analysis.</summary>
    Task<string> GetVersionAsync(CancellationToken cancellationToken = default);
}
