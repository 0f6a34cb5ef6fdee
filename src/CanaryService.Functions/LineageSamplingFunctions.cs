using CanaryService.Application.Lineage.Sampling;
using Microsoft.Azure.Functions.Worker;

namespace CanaryService.Functions;

/// <summary>
/// Lineage sampling in Azure, on the probe timer: the timer fans out one queue message per model to sample (none when
/// <c>Lineage:SamplingEnabled</c> is off), and each message asks that model its next batch of lineage prompts on
/// whichever instance picks it up.
/// </summary>
public sealed class LineageSamplingFunctions(LineageSampler sampler)
{
    /// <summary>The queue (in AzureWebJobsStorage) that carries one model name per message.</summary>
    public const string QueueName = "lineage-samples";

    /// <summary>The models to sample this tick: every competitor, reference model and own model.</summary>
    [Function("ScheduleLineageSamples")]
    [QueueOutput(QueueName)]
    public string[] ScheduleLineageSamples([TimerTrigger("%Probe:Schedule%")] TimerInfo timer) =>
        [.. sampler.Targets().Select(target => target.Name)];

    /// <summary>
    /// Samples one model. A failing model is logged and reported by the sampler, not thrown: a queue retry would
    /// spend its budget again on a model that is down.
    /// </summary>
    [Function("RunLineageSample")]
    public async Task RunLineageSampleAsync([QueueTrigger(QueueName)] string model, CancellationToken cancellationToken) =>
        await sampler.RunTargetAsync(model, cancellationToken).ConfigureAwait(false);
}
