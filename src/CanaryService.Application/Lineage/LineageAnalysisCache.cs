using CanaryService.Core.Lineage;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Lineage;

/// <summary>
/// The analysis of the stored samples, recomputed only when the store's version changes: an analysis of tens of models
/// takes seconds to minutes of CPU, and the model endpoint and the report read the same one.
/// </summary>
public sealed class LineageAnalysisCache : IDisposable
{
    private readonly ILineageSampleStore _store;
    private readonly IOptions<LineageServiceOptions> _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Version, LineageAnalysis Analysis)? _latest;

    /// <summary>Creates the cache over <paramref name="store"/>.</summary>
    public LineageAnalysisCache(ILineageSampleStore store, IOptions<LineageServiceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options;
    }

    /// <summary>The analysis of every stored sample (from the cache when nothing was uploaded since).</summary>
    public async Task<LineageAnalysis> GetAsync(CancellationToken cancellationToken = default)
    {
        string version = await _store.GetVersionAsync(cancellationToken).ConfigureAwait(false);
        if (_latest is { } cached && cached.Version == version)
        {
            return cached.Analysis;
        }

        // One computation at a time: concurrent requests after an upload wait for it instead of each starting one.
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_latest is { } again && again.Version == version)
            {
                return again.Analysis;
            }

            List<LineageSample> samples = [];
            await foreach (LineageSample sample in _store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                samples.Add(sample);
            }

            var options = new LineageOptions { BootstrapReplicates = _options.Value.BootstrapReplicates, Seed = _options.Value.Seed };
            LineageAnalysis analysis = await Task.Run(() => LineageAnalyzer.Analyze(LineageCorpus.Build(samples, options), options, cancellationToken), cancellationToken).ConfigureAwait(false);
            _latest = (version, analysis);
            return analysis;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();
}
