using CanaryService.Application.Campaigns;
using CanaryService.Application.Configuration;
using CanaryService.Application.Probing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CanaryService.Functions;

/// <summary>
/// Probing in Azure: the timer fans out one queue message per configured competitor, and each message runs that
/// competitor's probe on whichever instance picks it up (a failed run is retried by the queue, then poisoned).
/// </summary>
public sealed partial class ProbeFunctions(ProbeRunner runner, ExtractionMonitorRunner monitor, IOptionsMonitor<ProbeOptions> options, ILogger<ProbeFunctions> logger)
{
    /// <summary>The queue (in AzureWebJobsStorage) that carries one competitor name per message.</summary>
    public const string QueueName = "probe-runs";

    /// <summary>
    /// Runs the extraction monitor first (so the probes see the clusters of now), then fans out the probes. A failed
    /// monitor run is logged and the probes go out regardless.
    /// </summary>
    [Function("ScheduleProbes")]
    [QueueOutput(QueueName)]
    public async Task<string[]> ScheduleProbesAsync([TimerTrigger("%Probe:Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        try
        {
            await monitor.TryRunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogMonitorFailed(logger, ex);
        }

        return [.. options.CurrentValue.Competitors.Select(competitor => competitor.Name)];
    }

    /// <summary>
    /// Runs one competitor's probe: a run of its own, which reads the registry and the issuance window once for its
    /// plan and its scoring. Not one snapshot per fan-out: a message may run long after the timer (queued, retried),
    /// and a stored snapshot would then plan and score it on a stale window.
    /// </summary>
    [Function("RunProbe")]
    public async Task RunProbeAsync([QueueTrigger(QueueName)] string competitor, CancellationToken cancellationToken) =>
        await runner.RunAsync(competitor, cancellationToken).ConfigureAwait(false);

    [LoggerMessage(Level = LogLevel.Error, Message = "The extraction monitor failed on the probe timer; the probes run regardless.")]
    private static partial void LogMonitorFailed(ILogger logger, Exception exception);
}
