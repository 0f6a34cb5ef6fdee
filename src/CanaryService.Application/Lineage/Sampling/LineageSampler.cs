using System.Globalization;
using CanaryService.Application.Configuration;
using CanaryService.Application.Probing;
using CanaryService.Core.Lineage;
using CanaryService.Core.Probing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Lineage.Sampling;

/// <summary>
/// Asks the lineage prompts on the probe timer: each tick, every competitor, every reference model and the provider's
/// own models (straight at the upstream, never through the marking proxy) get the next batch of the shipped
/// <see cref="LineagePromptSet"/> from where they stopped, through the competitor probes' clients (budget, retries,
/// time-outs, rate limits). Answers become lineage samples, each batch's exchanges a transcript. A failing model is
/// logged and skipped; what the others return is kept.
/// </summary>
public sealed partial class LineageSampler : IDisposable
{
    private readonly IOptionsMonitor<LineageSamplingOptions> _options;
    private readonly IOptionsMonitor<ProbeOptions> _probe;
    private readonly IOptionsMonitor<UpstreamOptions> _upstream;
    private readonly LineagePromptSet _prompts;
    private readonly CompetitorChatClientFactory _clients;
    private readonly ILineageSampleStore _samples;
    private readonly ILineageSamplingPositions _positions;
    private readonly ITranscriptStore _transcripts;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<LineageSampler> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the sampler.</summary>
    public LineageSampler(
        IOptionsMonitor<LineageSamplingOptions> options,
        IOptionsMonitor<ProbeOptions> probe,
        IOptionsMonitor<UpstreamOptions> upstream,
        LineagePromptSet prompts,
        CompetitorChatClientFactory clients,
        ILineageSampleStore samples,
        ILineageSamplingPositions positions,
        ITranscriptStore transcripts,
        TimeProvider timeProvider,
        ILogger<LineageSampler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(transcripts);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _probe = probe;
        _upstream = upstream;
        _prompts = prompts;
        _clients = clients;
        _samples = samples;
        _positions = positions;
        _transcripts = transcripts;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Whether ticks sample at all: switched on and with prompts to ask.</summary>
    public bool IsEnabled => _options.CurrentValue.SamplingEnabled && _prompts.Count > 0;

    /// <summary>The models a tick samples (none when sampling is off): competitors, then references, then own models.</summary>
    public IReadOnlyList<LineageTarget> Targets()
    {
        if (!IsEnabled)
        {
            return [];
        }

        LineageSamplingOptions options = _options.CurrentValue;
        List<LineageTarget> targets = [];
        targets.AddRange(_probe.CurrentValue.Competitors.Select(c => new LineageTarget(c.Name, LineageTargetKind.Competitor, c)));
        targets.AddRange(options.References.Select(r => new LineageTarget(r.Name, LineageTargetKind.Reference, r)));
        targets.AddRange(options.OwnModels.Select(model => OwnTarget(model, options)));
        return targets;
    }

    /// <summary>Samples every target unless a tick is already in progress here, in which case it returns null at once.</summary>
    public async Task<LineageSamplingReport?> TryRunAsync(CancellationToken cancellationToken = default)
    {
        if (!await _gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            DateTimeOffset startedAt = _timeProvider.GetUtcNow();
            string runId = NewRunId(startedAt);
            IReadOnlyList<LineageTarget> targets = Targets();
            LogTickStarting(_logger, runId, targets.Count);
            LineageTargetResult[] results = await Task.WhenAll(targets.Select(t => SampleGuardedAsync(t, runId, cancellationToken))).ConfigureAwait(false);
            return new LineageSamplingReport(runId, startedAt, _timeProvider.GetUtcNow(), results);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Samples the one target named <paramref name="name"/> (the Functions app's queue runs one per message); null when there is none by that name.</summary>
    public async Task<LineageTargetResult?> RunTargetAsync(string name, CancellationToken cancellationToken = default)
    {
        LineageTarget? target = Targets().FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
        if (target is null)
        {
            LogUnknownTarget(_logger, name);
            return null;
        }

        return await SampleGuardedAsync(target, NewRunId(_timeProvider.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private LineageTarget OwnTarget(string model, LineageSamplingOptions options)
    {
        UpstreamOptions upstream = _upstream.CurrentValue;
        if (string.IsNullOrWhiteSpace(upstream.BaseUrl) || !Uri.TryCreate(upstream.BaseUrl, UriKind.Absolute, out _))
        {
            return new LineageTarget(model, LineageTargetKind.Own, null, "Upstream:BaseUrl is not an absolute URL");
        }

        if (string.IsNullOrWhiteSpace(upstream.ApiKey))
        {
            // With no key of its own the proxy forwards each caller's credentials; there is none to sample with.
            return new LineageTarget(model, LineageTargetKind.Own, null, "Upstream:ApiKey is not set, so the upstream cannot be asked directly");
        }

        // The upstream itself, as the proxy forwards to it: the marking proxy is never on this path.
        string path = (options.OwnModelPath ?? "").Trim('/');
        Uri baseUrl = new(upstream.BaseUrl.TrimEnd('/') + (path.Length == 0 ? "" : "/" + path));
        return new LineageTarget(model, LineageTargetKind.Own, new CompetitorOptions { Name = model, BaseUrl = baseUrl, Model = model, ApiKey = upstream.ApiKey });
    }

    private async Task<LineageTargetResult> SampleGuardedAsync(LineageTarget target, string runId, CancellationToken cancellationToken)
    {
        try
        {
            // Yield first so one model's set-up never delays the start of the others.
            await Task.Yield();
            return await SampleAsync(target, runId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogTargetFailed(_logger, target.Name, runId, ex);
            return new LineageTargetResult(target.Name, target.Kind, 0, 0, 0, -1, ["sampling: " + ProbeRunner.Describe(ex)]);
        }
    }

    private async Task<LineageTargetResult> SampleAsync(LineageTarget target, string runId, CancellationToken cancellationToken)
    {
        if (target.Endpoint is not { } endpoint)
        {
            LogTargetUnreachable(_logger, target.Name, target.Problem ?? "no endpoint");
            return new LineageTargetResult(target.Name, target.Kind, 0, 0, 0, -1, ["not sampled: " + target.Problem]);
        }

        DateTimeOffset startedAt = _timeProvider.GetUtcNow();
        long position = await _positions.GetAsync(target.Name, cancellationToken).ConfigureAwait(false);

        // The budget caps the batch the way it caps a probe run: retries draw on what the batch leaves over.
        int affordable = ProbePlanner.PromptCount(endpoint.MaxRequestsPerRun, endpoint.MaxRetries, _probe.CurrentValue.RetryReserveShare);
        IReadOnlyList<int> batch = _prompts.Batch(position, Math.Min(_options.CurrentValue.PromptsPerRun, affordable));
        RequestBudget budget = new(endpoint.MaxRequestsPerRun);

        ProbeExchange[] exchanges;
        using (IChatClient client = _clients.Create(endpoint, budget))
        {
            exchanges = await Task.WhenAll(batch.Select(i => ProbeRunner.AskAsync(
                client, budget, new ProbePrompt(ProbePrompt.LineageKind, null, null, _prompts.Prompts[i]), _timeProvider, cancellationToken))).ConfigureAwait(false);
        }

        List<string> errors = [];
        foreach (IGrouping<string, ProbeExchange> group in exchanges.Where(e => e.Error is not null).GroupBy(e => e.Error!, StringComparer.Ordinal))
        {
            errors.Add(group.Count() == 1 ? group.Key : $"{group.Key} (x{group.Count()})");
        }

        // The transcript is the record of what was asked and answered; losing it must not lose the samples.
        try
        {
            await _transcripts.PutAsync(new Transcript(target.Name, runId, startedAt, exchanges), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogTranscriptNotStored(_logger, target.Name, runId, ex);
            errors.Add("storage: transcript not stored (" + ex.GetType().Name + ")");
        }

        LineageSample[] samples = [.. exchanges.Where(e => e.Answer is not null).Select(e => new LineageSample(target.Name, e.Prompt, e.Answer!))];
        if (samples.Length > 0)
        {
            try
            {
                await _samples.AddAsync(samples, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Nothing stored: the position stays, so the next tick asks these prompts again.
                LogSamplesNotStored(_logger, target.Name, runId, ex);
                errors.Add("storage: samples not stored (" + ex.GetType().Name + ")");
                return Done(target, exchanges, 0, budget, position, errors, runId);
            }
        }

        // Move past every prompt that was sent, answered or not (a prompt a model always refuses must not stall it);
        // prompts the budget never let out stay for the next tick. A model that answered nothing is down, not
        // refusing: it keeps its place, so an outage skips no prompt.
        int sent = samples.Length == 0 ? 0 : exchanges.TakeWhile(e => e.Error != ProbeRunner.NotSent).Count();
        long next = _prompts.Count == 0 ? 0 : (position + sent) % _prompts.Count;
        if (sent > 0)
        {
            try
            {
                await _positions.SetAsync(target.Name, next, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The samples are stored; the next tick asks the same prompts again and the later answers replace these.
                LogPositionNotStored(_logger, target.Name, runId, ex);
                errors.Add("storage: position not stored (" + ex.GetType().Name + ")");
                next = position;
            }
        }

        return Done(target, exchanges, samples.Length, budget, next, errors, runId);
    }

    private LineageTargetResult Done(LineageTarget target, ProbeExchange[] exchanges, int stored, RequestBudget budget, long next, List<string> errors, string runId)
    {
        int asked = exchanges.Count(e => e.Error != ProbeRunner.NotSent);
        LogTargetDone(_logger, target.Name, runId, asked, stored, budget.Used, next);
        return new LineageTargetResult(target.Name, target.Kind, asked, stored, budget.Used, next, errors);
    }

    private static string NewRunId(DateTimeOffset at) =>
        "lineage-" + at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];

    [LoggerMessage(Level = LogLevel.Information, Message = "Lineage sampling {RunId} starting for {Count} model(s).")]
    private static partial void LogTickStarting(ILogger logger, string runId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lineage sampling of {Model} in {RunId}: {Asked} prompt(s) asked, {Stored} answer(s) stored, {Requests} request(s); next position {Next}.")]
    private static partial void LogTargetDone(ILogger logger, string model, string runId, int asked, int stored, int requests, long next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lineage sampling skips {Model}: {Problem}.")]
    private static partial void LogTargetUnreachable(ILogger logger, string model, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No lineage sampling target is named {Model}.")]
    private static partial void LogUnknownTarget(ILogger logger, string model);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lineage sampling of {Model} in {RunId} failed; the other models go on.")]
    private static partial void LogTargetFailed(ILogger logger, string model, string runId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The lineage transcript of {Model} in {RunId} could not be stored.")]
    private static partial void LogTranscriptNotStored(ILogger logger, string model, string runId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The lineage samples of {Model} in {RunId} could not be stored; the next tick asks the same prompts.")]
    private static partial void LogSamplesNotStored(ILogger logger, string model, string runId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The sampling position of {Model} in {RunId} could not be stored; the next tick asks the same prompts again.")]
    private static partial void LogPositionNotStored(ILogger logger, string model, string runId, Exception exception);
}
