namespace CanaryService.Core.Lineage;

/// <summary>
/// Where each sampled model has got to in the <see cref="LineagePromptSet"/>: the index of the next prompt to ask it,
/// kept between probe ticks (and processes) so sampling resumes where it stopped.
/// </summary>
public interface ILineageSamplingPositions
{
    /// <summary>The next prompt index of <paramref name="model"/> (0 when it was never sampled).</summary>
    Task<long> GetAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>Records the next prompt index of <paramref name="model"/>.</summary>
    Task SetAsync(string model, long position, CancellationToken cancellationToken = default);
}
