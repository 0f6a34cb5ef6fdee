using CanaryService.Application.Configuration;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Evidence;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Probing;

/// <summary>
/// Scores a competitor after a run: its whole history (every stored transcript, oldest first, and this run's) with
/// the <see cref="DistillationAssessor"/>, appends one evidence row per test to the ledger, and raises an alert for
/// each verdict that changed.
/// </summary>
public sealed class CompetitorScoring
{
    private readonly CanaryKeyRing _keyRing;
    private readonly IProbeRunLog _runs;
    private readonly ITranscriptStore _transcripts;
    private readonly IEvidenceLedger _ledger;
    private readonly VerdictAlerts _alerts;
    private readonly IOptionsMonitor<ProbeOptions> _probe;
    private readonly IOptionsMonitor<DetectionOptions> _detection;
    private readonly TimeProvider _timeProvider;
    private readonly IMonitorResultStore? _monitor;

    /// <summary>Creates the scoring step.</summary>
    public CompetitorScoring(
        CanaryKeyRing keyRing,
        IProbeRunLog runs,
        ITranscriptStore transcripts,
        IEvidenceLedger ledger,
        VerdictAlerts alerts,
        IOptionsMonitor<ProbeOptions> probe,
        IOptionsMonitor<DetectionOptions> detection,
        TimeProvider timeProvider,
        IMonitorResultStore? monitor = null)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(transcripts);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(detection);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _keyRing = keyRing;
        _runs = runs;
        _transcripts = transcripts;
        _ledger = ledger;
        _alerts = alerts;
        _probe = probe;
        _detection = detection;
        _timeProvider = timeProvider;
        _monitor = monitor;
    }

    /// <summary>
    /// Scores <paramref name="competitor"/> after run <paramref name="runId"/>, whose transcript is
    /// <paramref name="current"/>, against the registry and issuance of <paramref name="snapshot"/>: the run's, which
    /// its plan was drawn from. A snapshot whose read failed fails the scoring with that read's exception.
    /// </summary>
    public async Task<CompetitorScore> ScoreAndAppendAsync(string competitor, string runId, string transcriptName, Transcript current, ProbeRunSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(competitor);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(transcriptName);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(snapshot);

        (IReadOnlyList<CanaryRecord> canaries, IReadOnlyList<AccountIssuance> accounts) = snapshot.Require();
        IReadOnlyList<Transcript> history = await ReadHistoryAsync(competitor, transcriptName, current, cancellationToken).ConfigureAwait(false);
        ProbeOptions probe = _probe.CurrentValue;

        // The extraction monitor's flagged clusters are tested as one each: a student trained on answers spread over many
        // accounts is attributed to the cluster when no single account's share is enough.
        MonitorOutcome? monitored = _monitor is null ? null : await _monitor.GetLatestAsync(cancellationToken).ConfigureAwait(false);
        DistillationAssessment assessment = new DistillationAssessor(_keyRing, EffectiveDetectionOptions(probe, _detection.CurrentValue))
            .Assess(history, canaries, accounts, monitored?.Clusters.Where(c => c.Flagged));

        Dictionary<(string Family, string KeyId), string> previous = [];
        await foreach (EvidenceEntry entry in _ledger.ReadAsync(competitor, cancellationToken).ConfigureAwait(false))
        {
            previous[(entry.Draft.Family, entry.Draft.KeyId)] = entry.Draft.Verdict;
        }

        IReadOnlyList<EvidenceDraft> drafts = assessment.ToEvidenceDrafts(competitor, runId, transcriptName, _timeProvider.GetUtcNow());
        IReadOnlyList<EvidenceEntry> entries = await _ledger.AppendAsync(drafts, cancellationToken).ConfigureAwait(false);

        // A first row that says "not-detected" is no change; a first "distilled" is.
        VerdictChange[] changes = [.. drafts
            .Select(d => (Draft: d, Before: previous.GetValueOrDefault((d.Family, d.KeyId))))
            .Where(x => !string.Equals(x.Before ?? DetectionVerdicts.NotDetected, x.Draft.Verdict, StringComparison.Ordinal))
            .Select(x => new VerdictChange(competitor, runId, x.Draft.Family, x.Draft.KeyId, x.Before, x.Draft.Verdict, x.Draft.EValue, x.Draft.PValue, x.Draft.AttributedAccount, x.Draft.RecordedAt))];
        await _alerts.RaiseAsync(changes, cancellationToken).ConfigureAwait(false);
        return new CompetitorScore(assessment, entries, changes);
    }

    /// <summary>
    /// The assessor's options: <c>Detection</c> settings, with the stricter of <c>Probe:Alpha</c> and
    /// <c>Detection:Alpha</c>: neither setting can weaken the other. Who is an attribution candidate is
    /// <c>Detection:AttributionMinimumResponses</c> alone (<see cref="AttributionCandidates"/>).
    /// </summary>
    internal static DetectionOptions EffectiveDetectionOptions(ProbeOptions probe, DetectionOptions detection) => new()
    {
        Alpha = Math.Min(probe.Alpha, detection.Alpha),
        AttributionMinimumResponses = detection.AttributionMinimumResponses,
        AttributionMaximumAccounts = detection.AttributionMaximumAccounts,
        AttributionMaximumClusters = detection.AttributionMaximumClusters,
    };

    private async Task<IReadOnlyList<Transcript>> ReadHistoryAsync(string competitor, string currentName, Transcript current, CancellationToken cancellationToken)
    {
        HashSet<string> names = new(StringComparer.Ordinal) { currentName };
        List<Transcript> history = [];
        await foreach (ProbeRunRecord run in _runs.ListAsync(competitor, cancellationToken).ConfigureAwait(false))
        {
            if (run.TranscriptName is { } name && names.Add(name))
            {
                // An altered or missing transcript fails the scoring: evidence is never computed over a broken history.
                history.Add(await _transcripts.GetAsync(name, cancellationToken).ConfigureAwait(false));
            }
        }

        history.Sort((a, b) => a.StartedAt.CompareTo(b.StartedAt));
        history.Add(current);
        return history;
    }
}

/// <summary>What scoring a competitor after a run produced.</summary>
/// <param name="Assessment">The assessment of its whole history.</param>
/// <param name="Entries">The evidence rows appended.</param>
/// <param name="Changes">The verdicts that changed (each alerted).</param>
public sealed record CompetitorScore(DistillationAssessment Assessment, IReadOnlyList<EvidenceEntry> Entries, IReadOnlyList<VerdictChange> Changes);
