using CanaryService.Application.Configuration;
using CanaryService.Application.Probing;
using CanaryService.Core.Detection;
using CanaryService.Core.Evidence;
using CanaryService.Core.Probing;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Evidence;

/// <summary>Reads the ledger (and the run log) into the evidence API's views.</summary>
public sealed class EvidenceReader
{
    private readonly IEvidenceLedger _ledger;
    private readonly IProbeRunLog _runs;
    private readonly IOptionsMonitor<ProbeOptions> _options;
    private readonly IOptionsMonitor<DetectionOptions> _detection;

    /// <summary>Creates the reader.</summary>
    public EvidenceReader(IEvidenceLedger ledger, IProbeRunLog runs, IOptionsMonitor<ProbeOptions> options, IOptionsMonitor<DetectionOptions> detection)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(detection);
        _ledger = ledger;
        _runs = runs;
        _options = options;
        _detection = detection;
    }

    /// <summary>Configured competitors and every competitor with evidence, each with its current verdict.</summary>
    public async Task<IReadOnlyList<CompetitorSummary>> ListCompetitorsAsync(CancellationToken cancellationToken = default)
    {
        HashSet<string> configured = new(_options.CurrentValue.Competitors.Select(c => c.Name), StringComparer.Ordinal);
        IReadOnlyList<string> withEvidence = await _ledger.ListCompetitorsAsync(cancellationToken).ConfigureAwait(false);
        List<CompetitorSummary> summaries = [];
        foreach (string name in configured.Union(withEvidence, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            List<EvidenceEntry> chain = await ReadChainAsync(name, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<EvidenceSeries> series = BuildSeries(chain);
            (string verdict, string? account) = Overall(series);
            summaries.Add(new CompetitorSummary(name, verdict, account, chain.Count, chain.Count == 0 ? null : chain[^1].Draft.RecordedAt, configured.Contains(name)));
        }

        return summaries;
    }

    /// <summary>A competitor's evidence per family and key, or null when the competitor is neither configured nor in the ledger.</summary>
    public async Task<CompetitorEvidence?> GetEvidenceAsync(string competitor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(competitor);
        List<EvidenceEntry> chain = await ReadChainAsync(competitor, cancellationToken).ConfigureAwait(false);
        bool configured = _options.CurrentValue.Competitors.Any(c => string.Equals(c.Name, competitor, StringComparison.Ordinal));
        if (chain.Count == 0 && !configured)
        {
            return null;
        }

        ProbeRunRecord? lastRun = null;
        await foreach (ProbeRunRecord run in _runs.ListAsync(competitor, cancellationToken).ConfigureAwait(false))
        {
            lastRun = run;
            break;
        }

        IReadOnlyList<EvidenceSeries> series = BuildSeries(chain);
        (string verdict, string? account) = Overall(series);

        // Every row of a run carries the run's cluster attribution: the latest row says what the latest run found.
        ClusterAttribution? cluster = verdict == EvidenceVerdicts.Distilled && chain.MaxBy(e => e.Sequence) is { Draft.AttributedCluster: { } id } latest
            ? new ClusterAttribution(id, latest.Draft.ClusterAccounts ?? [])
            : null;
        // The α the assessor decided with (the stricter of Probe:Alpha and Detection:Alpha), so the report's 1/α line is that one.
        double alpha = CompetitorScoring.EffectiveDetectionOptions(_options.CurrentValue, _detection.CurrentValue).Alpha;
        return new CompetitorEvidence(competitor, verdict, account, alpha, series, lastRun, cluster);
    }

    private async Task<List<EvidenceEntry>> ReadChainAsync(string competitor, CancellationToken cancellationToken)
    {
        List<EvidenceEntry> chain = [];
        await foreach (EvidenceEntry entry in _ledger.ReadAsync(competitor, cancellationToken).ConfigureAwait(false))
        {
            chain.Add(entry);
        }

        return chain;
    }

    /// <summary>Groups a chain by family and key; the latest row of each gives its current values.</summary>
    internal static IReadOnlyList<EvidenceSeries> BuildSeries(IReadOnlyList<EvidenceEntry> chain) =>
    [
        .. chain
            .GroupBy(e => (e.Draft.Family, e.Draft.KeyId))
            .Select(g =>
            {
                EvidencePoint[] timeline = [.. g.OrderBy(e => e.Sequence).Select(e => new EvidencePoint(
                    e.Sequence, e.Draft.RunId, e.Draft.RecordedAt, e.Draft.N, e.Draft.Matches, e.Draft.PValue, e.Draft.EValue,
                    e.Draft.Verdict, e.Draft.AttributedAccount, e.Draft.TranscriptName))];
                EvidencePoint last = timeline[^1];
                return new EvidenceSeries(g.Key.Family, g.Key.KeyId, last.N, last.Matches, last.PValue, last.EValue, last.Verdict, last.AttributedAccount, timeline);
            })
            .OrderBy(s => s.Family, StringComparer.Ordinal)
            .ThenBy(s => s.KeyId == Core.Keys.CanaryKeyRing.GlobalKeyId ? 0 : 1)
            .ThenBy(s => s.KeyId, StringComparer.Ordinal),
    ];

    /// <summary>The competitor's verdict: distilled when any latest row says so; the account of the strongest such row.</summary>
    internal static (string Verdict, string? Account) Overall(IReadOnlyList<EvidenceSeries> series)
    {
        if (series.Count == 0)
        {
            return (EvidenceVerdicts.NoEvidence, null);
        }

        EvidenceSeries[] distilled = [.. series.Where(s => s.Verdict == EvidenceVerdicts.Distilled).OrderByDescending(s => s.EValue)];
        return distilled.Length == 0
            ? (EvidenceVerdicts.NotDetected, null)
            : (EvidenceVerdicts.Distilled, distilled.Select(s => s.AttributedAccount).FirstOrDefault(a => a is not null));
    }
}
