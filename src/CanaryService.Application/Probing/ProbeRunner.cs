using System.Globalization;
using CanaryService.Application.Configuration;
using CanaryService.Core.Probing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Probing;

/// <summary>
/// Runs probes: for each competitor, plans prompts, calls it within its budget, stores the transcript, scores the
/// competitor's whole history, appends evidence and records the run. Competitors run side by side; one failing
/// never stops the others. One run at a time per process.
/// </summary>
public sealed partial class ProbeRunner : IDisposable
{
    private readonly IOptionsMonitor<ProbeOptions> _options;
    private readonly CompetitorChatClientFactory _clients;
    private readonly ProbePlanner _planner;
    private readonly ProbeRunSnapshotReader _snapshots;
    private readonly ITranscriptStore _transcripts;
    private readonly IProbeRunLog _runs;
    private readonly CompetitorScoring _scoring;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ProbeRunner> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the runner.</summary>
    public ProbeRunner(
        IOptionsMonitor<ProbeOptions> options,
        CompetitorChatClientFactory clients,
        ProbePlanner planner,
        ProbeRunSnapshotReader snapshots,
        ITranscriptStore transcripts,
        IProbeRunLog runs,
        CompetitorScoring scoring,
        TimeProvider timeProvider,
        ILogger<ProbeRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(transcripts);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(scoring);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _clients = clients;
        _planner = planner;
        _snapshots = snapshots;
        _transcripts = transcripts;
        _runs = runs;
        _scoring = scoring;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>True while a run is in progress.</summary>
    public bool IsRunning => _gate.CurrentCount == 0;

    /// <summary>Whether a competitor of that name is configured.</summary>
    public bool IsConfigured(string competitor) =>
        _options.CurrentValue.Competitors.Any(c => string.Equals(c.Name, competitor, StringComparison.Ordinal));

    /// <summary>
    /// Runs every configured competitor (or only <paramref name="competitor"/>) unless a run is already in progress,
    /// in which case it returns null at once. <paramref name="planSeed"/>, when given, seeds every competitor's probe
    /// plan instead of the run id, so the same seed asks the same prompts again.
    /// </summary>
    public async Task<ProbeRunReport?> TryRunAsync(string? competitor = null, int? planSeed = null, CancellationToken cancellationToken = default)
    {
        if (!await _gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            return await RunCoreAsync(competitor, planSeed, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs like <see cref="TryRunAsync"/>, waiting for a run in progress to end first.</summary>
    public Task<ProbeRunReport> RunAsync(string? competitor = null, CancellationToken cancellationToken = default) =>
        RunAsync(competitor, planSeed: null, cancellationToken);

    /// <summary>Runs like <see cref="TryRunAsync"/> (with <paramref name="planSeed"/> likewise), waiting for a run in progress to end first.</summary>
    public async Task<ProbeRunReport> RunAsync(string? competitor, int? planSeed, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunCoreAsync(competitor, planSeed, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private async Task<ProbeRunReport> RunCoreAsync(string? only, int? planSeed, CancellationToken cancellationToken)
    {
        DateTimeOffset startedAt = _timeProvider.GetUtcNow();
        string runId = startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
        CompetitorOptions[] competitors = [.. _options.CurrentValue.Competitors.Where(c => only is null || string.Equals(c.Name, only, StringComparison.Ordinal))];
        LogRunStarting(_logger, runId, competitors.Length);

        // One read of the registry and the issuance window per run, at its start: every competitor's plan and scoring
        // use these rows, so a canary issued while the run is under way is used by none of them (the next run has it).
        if (competitors.Length == 0)
        {
            return new ProbeRunReport(runId, startedAt, _timeProvider.GetUtcNow(), []);
        }

        ProbeRunSnapshot snapshot = await _snapshots.ReadAsync(cancellationToken).ConfigureAwait(false);
        CompetitorRunResult[] results = await Task.WhenAll(competitors.Select(c => RunCompetitorGuardedAsync(c, runId, planSeed, snapshot, cancellationToken))).ConfigureAwait(false);
        return new ProbeRunReport(runId, startedAt, _timeProvider.GetUtcNow(), results);
    }

    private async Task<CompetitorRunResult> RunCompetitorGuardedAsync(CompetitorOptions competitor, string runId, int? planSeed, ProbeRunSnapshot snapshot, CancellationToken cancellationToken)
    {
        try
        {
            // Yield first so a slow planner or client set-up of one competitor never delays the start of the others.
            await Task.Yield();
            return await RunCompetitorAsync(competitor, runId, planSeed, snapshot, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogCompetitorFailed(_logger, competitor.Name, runId, ex);
            DateTimeOffset now = _timeProvider.GetUtcNow();
            ProbeRunRecord record = new(competitor.Name, runId, now, now, ProbeRunStatus.Failed, 0, 0, 0, null, ["run: " + Describe(ex)]);
            await TryRecordRunAsync(record, cancellationToken).ConfigureAwait(false);
            return new CompetitorRunResult(record, 0, []);
        }
    }

    private async Task<CompetitorRunResult> RunCompetitorAsync(CompetitorOptions competitor, string runId, int? planSeed, ProbeRunSnapshot snapshot, CancellationToken cancellationToken)
    {
        DateTimeOffset startedAt = _timeProvider.GetUtcNow();
        RequestBudget budget = new(competitor.MaxRequestsPerRun);
        List<string> errors = [];

        // A given seed makes the plan reproducible across runs (the drill's verdicts follow from its --seed alone).
        string planKey = planSeed is int seed ? seed.ToString(CultureInfo.InvariantCulture) : runId;
        // Plan fewer prompts than the budget allows: the rest is the reserve that retries draw on.
        int promptCount = ProbePlanner.PromptCount(competitor.MaxRequestsPerRun, competitor.MaxRetries, _options.CurrentValue.RetryReserveShare);
        ProbePlan plan = await _planner.PlanAsync(promptCount, StableSeed(planKey, competitor.Name), snapshot, cancellationToken).ConfigureAwait(false);
        errors.AddRange(plan.Errors);

        ProbeExchange[] exchanges;
        using (IChatClient client = _clients.Create(competitor, budget))
        {
            exchanges = await Task.WhenAll(plan.Prompts.Select(p => AskAsync(client, budget, p, _timeProvider, cancellationToken))).ConfigureAwait(false);
        }

        int answers = exchanges.Count(e => e.Answer is not null);
        int failures = exchanges.Length - answers;
        foreach (IGrouping<string, ProbeExchange> group in exchanges.Where(e => e.Error is not null).GroupBy(e => e.Error!, StringComparer.Ordinal))
        {
            errors.Add(group.Count() == 1 ? group.Key : $"{group.Key} (x{group.Count()})");
        }

        string? transcriptName = null;
        Transcript transcript = new(competitor.Name, runId, startedAt, exchanges);
        try
        {
            transcriptName = await _transcripts.PutAsync(transcript, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogTranscriptNotStored(_logger, competitor.Name, runId, ex);
            errors.Add("storage: transcript not stored (" + ex.GetType().Name + ")");
        }

        IReadOnlyList<VerdictChange> changes = [];
        int evidenceRows = 0;
        if (transcriptName is not null && answers > 0)
        {
            try
            {
                CompetitorScore score = await _scoring.ScoreAndAppendAsync(competitor.Name, runId, transcriptName, transcript, snapshot, cancellationToken).ConfigureAwait(false);
                evidenceRows = score.Entries.Count;
                changes = score.Changes;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogScoringFailed(_logger, competitor.Name, runId, ex);
                errors.Add(ex is InvalidDataException or KeyNotFoundException
                    ? "scoring: a stored transcript of this competitor is altered or missing; see /api/ledger/verify"
                    : "scoring: " + Describe(ex));
            }
        }

        ProbeRunStatus status = answers == 0 ? ProbeRunStatus.Failed : failures > 0 || errors.Count > 0 ? ProbeRunStatus.Partial : ProbeRunStatus.Completed;
        ProbeRunRecord record = new(competitor.Name, runId, startedAt, _timeProvider.GetUtcNow(), status, budget.Used, answers, failures, transcriptName, errors);
        await TryRecordRunAsync(record, cancellationToken).ConfigureAwait(false);
        LogCompetitorDone(_logger, competitor.Name, runId, status, budget.Used, answers, failures);
        return new CompetitorRunResult(record, evidenceRows, changes);
    }

    /// <summary>
    /// Asks one prompt within <paramref name="budget"/>; a failure becomes the exchange's <see cref="ProbeExchange.Error"/>
    /// (a short, secret-free description), never an exception. Lineage sampling asks its prompts the same way.
    /// </summary>
    internal static async Task<ProbeExchange> AskAsync(IChatClient client, RequestBudget budget, ProbePrompt prompt, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        string? answer = null;
        string? error = null;
        if (budget.Remaining == 0)
        {
            error = NotSent;
        }
        else
        {
            try
            {
                ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, prompt.Text)], cancellationToken: cancellationToken).ConfigureAwait(false);
                string text = response.Text;
                if (string.IsNullOrWhiteSpace(text))
                {
                    error = "empty answer";
                }
                else
                {
                    answer = text;
                }
            }
            catch (RequestBudgetExhaustedException)
            {
                error = NotSent;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                error = Describe(ex);
            }
        }

        return new ProbeExchange(prompt.Kind, prompt.Epoch, prompt.Topic, prompt.Text, answer, error, timeProvider.GetUtcNow(), prompt.Account, prompt.Form);
    }

    private async Task TryRecordRunAsync(ProbeRunRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await _runs.AddAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogRunNotRecorded(_logger, record.Competitor, record.RunId, record.Status, ex);
        }
    }

    /// <summary>The error of an exchange that was never sent because the budget was spent.</summary>
    internal const string NotSent = "not sent: request budget spent";

    /// <summary>A short, secret-free description of a failure, fit for the run record.</summary>
    internal static string Describe(Exception exception) => exception switch
    {
        RequestBudgetExhaustedException => NotSent,
        TimeoutException => "time-out: " + exception.Message,
        System.ClientModel.ClientResultException { Status: > 0 } r => $"HTTP {r.Status} from the competitor",
        System.ClientModel.ClientResultException => "no response from the competitor (" + (exception.InnerException?.GetType().Name ?? "connection") + ")",
        HttpRequestException => "connection failed (" + exception.GetType().Name + ")",
        System.Text.Json.JsonException or FormatException or InvalidOperationException => "unreadable answer (" + exception.GetType().Name + ")",
        _ => exception.GetType().Name,
    };

    private static int StableSeed(string runId, string competitor)
    {
        // string.GetHashCode is randomised per process; the seed must be reproducible from the run id.
        uint hash = 2166136261;
        foreach (char ch in runId + "/" + competitor)
        {
            hash = (hash ^ ch) * 16777619;
        }

        return (int)hash;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Probe run {RunId} starting for {Count} competitor(s).")]
    private static partial void LogRunStarting(ILogger logger, string runId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Probe of {Competitor} in run {RunId}: {Status}, {Requests} request(s), {Answers} answer(s), {Failures} failure(s).")]
    private static partial void LogCompetitorDone(ILogger logger, string competitor, string runId, ProbeRunStatus status, int requests, int answers, int failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "Probe of {Competitor} in run {RunId} failed.")]
    private static partial void LogCompetitorFailed(ILogger logger, string competitor, string runId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The transcript of {Competitor} in run {RunId} could not be stored; the run is not scored.")]
    private static partial void LogTranscriptNotStored(ILogger logger, string competitor, string runId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scoring {Competitor} in run {RunId} failed; no evidence was appended.")]
    private static partial void LogScoringFailed(ILogger logger, string competitor, string runId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The record of run {RunId} for {Competitor} ({Status}) could not be stored.")]
    private static partial void LogRunNotRecorded(ILogger logger, string competitor, string runId, ProbeRunStatus status, Exception exception);
}

/// <summary>What one run did.</summary>
/// <param name="RunId">The run.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="CompletedAt">When the last competitor finished.</param>
/// <param name="Competitors">Each competitor's outcome.</param>
public sealed record ProbeRunReport(string RunId, DateTimeOffset StartedAt, DateTimeOffset CompletedAt, IReadOnlyList<CompetitorRunResult> Competitors);

/// <summary>One competitor's outcome in a run.</summary>
/// <param name="Run">The recorded run.</param>
/// <param name="EvidenceRows">Evidence rows appended.</param>
/// <param name="VerdictChanges">Verdicts that changed (each raised an alert).</param>
public sealed record CompetitorRunResult(ProbeRunRecord Run, int EvidenceRows, IReadOnlyList<VerdictChange> VerdictChanges);
