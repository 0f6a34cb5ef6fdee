using System.Net.Http.Json;
using CanaryService.Application.Probing;
using CanaryService.Core.Campaigns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Campaigns;

/// <summary>
/// Runs the extraction monitor: reads every account's traffic features over <see cref="CampaignOptions.Lookback"/>,
/// scores and links them (<see cref="ExtractionMonitor"/>), saves the results, and announces clusters flagged for the
/// first time (a warning, and a JSON POST to <see cref="CampaignOptions.WebhookUrl"/> when set; a failing webhook is
/// logged, never fatal). One run at a time per process.
/// </summary>
public sealed partial class ExtractionMonitorRunner : IDisposable
{
    private readonly ITrafficLog _traffic;
    private readonly IMonitorResultStore _results;
    private readonly IOptionsMonitor<CampaignOptions> _options;
    private readonly IHttpClientFactory _httpClients;
    private readonly TimeProvider _time;
    private readonly ILogger<ExtractionMonitorRunner> _logger;
    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>Creates the runner.</summary>
    public ExtractionMonitorRunner(
        ITrafficLog traffic,
        IMonitorResultStore results,
        IOptionsMonitor<CampaignOptions> options,
        IHttpClientFactory httpClients,
        TimeProvider time,
        ILogger<ExtractionMonitorRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClients);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _traffic = traffic;
        _results = results;
        _options = options;
        _httpClients = httpClients;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs the monitor now; null when a run is already in progress in this process.</summary>
    public async Task<MonitorOutcome?> TryRunAsync(CancellationToken cancellationToken = default)
    {
        if (!await _running.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            return await RunCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>Runs the monitor now, waiting for a run in progress in this process to end first.</summary>
    public async Task<MonitorOutcome> RunAsync(CancellationToken cancellationToken = default)
    {
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>The latest saved results (null before the first run).</summary>
    public Task<MonitorOutcome?> LatestAsync(CancellationToken cancellationToken = default) => _results.GetLatestAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _running.Dispose();

    private async Task<MonitorOutcome> RunCoreAsync(CancellationToken cancellationToken)
    {
        CampaignOptions options = _options.CurrentValue;
        var monitor = new ExtractionMonitor(options);
        DateTimeOffset now = _time.GetUtcNow();
        IReadOnlyList<AccountTrafficWindow> traffic = await _traffic.QueryAsync(now - options.Lookback, cancellationToken).ConfigureAwait(false);
        MonitorOutcome outcome = monitor.Assess(traffic, now);
        IReadOnlyList<AccountCluster> firstFlagged = await _results.SaveAsync(outcome, cancellationToken).ConfigureAwait(false);
        int flagged = outcome.Flagged.Count();
        int flaggedClusters = outcome.Clusters.Count(c => c.Flagged);
        LogRan(_logger, outcome.Accounts.Count, flagged, outcome.Clusters.Count, flaggedClusters);
        await AnnounceAsync(firstFlagged, options.WebhookUrl, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    private async Task AnnounceAsync(IReadOnlyList<AccountCluster> clusters, Uri? webhook, CancellationToken cancellationToken)
    {
        foreach (AccountCluster cluster in clusters)
        {
            LogClusterFlagged(_logger, cluster.Cluster, cluster.Accounts.Count, cluster.Requests, string.Join("; ", cluster.Signals));
        }

        if (clusters.Count == 0 || webhook is null)
        {
            return;
        }

        try
        {
            HttpClient http = _httpClients.CreateClient(VerdictAlerts.WebhookClientName);
            using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using HttpResponseMessage response = await http.PostAsJsonAsync(webhook, new
            {
                type = "canary.cluster_flagged",
                clusters = clusters.Select(c => new { cluster = c.Cluster, accounts = c.Accounts, signals = c.Signals, requests = c.Requests }),
            }, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogWebhookRefused(_logger, (int)response.StatusCode);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogWebhookFailed(_logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Extraction monitor: {Accounts} accounts scored, {Flagged} flagged, {Clusters} clusters ({FlaggedClusters} flagged).")]
    private static partial void LogRan(ILogger logger, int accounts, int flagged, int clusters, int flaggedClusters);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Cluster} flagged for the first time: {Accounts} accounts, {Requests} requests; {Signals}.")]
    private static partial void LogClusterFlagged(ILogger logger, string cluster, int accounts, long requests, string signals);

    [LoggerMessage(Level = LogLevel.Error, Message = "The cluster webhook answered HTTP {Status}.")]
    private static partial void LogWebhookRefused(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "The cluster webhook could not be called.")]
    private static partial void LogWebhookFailed(ILogger logger, Exception exception);
}
