using CanaryService.Api.Configuration;
using CanaryService.Api.Probing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace CanaryService.Functions;

/// <summary>
/// Probing in Azure: the timer fans out one queue message per configured competitor, and each message runs that
/// competitor's probe on whichever instance picks it up (a failed run is retried by the queue, then poisoned).
/// </summary>
public sealed class ProbeFunctions(ProbeRunner runner, IOptionsMonitor<ProbeOptions> options)
{
    /// <summary>The queue (in AzureWebJobsStorage) that carries one competitor name per message.</summary>
    public const string QueueName = "probe-runs";

    [Function("ScheduleProbes")]
    [QueueOutput(QueueName)]
    public string[] ScheduleProbes([TimerTrigger("%Probe:Schedule%")] TimerInfo timer) =>
        options.CurrentValue.Competitors.Select(competitor => competitor.Name).ToArray();

    [Function("RunProbe")]
    public async Task RunProbeAsync([QueueTrigger(QueueName)] string competitor, CancellationToken cancellationToken) =>
        await runner.RunAsync(competitor, cancellationToken).ConfigureAwait(false);
}
