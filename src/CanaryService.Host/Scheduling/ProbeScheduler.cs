using CanaryService.Application.Campaigns;
using CanaryService.Application.Configuration;
using CanaryService.Application.Lineage.Sampling;
using CanaryService.Application.Probing;
using Microsoft.Extensions.Options;
using NCrontab;

namespace CanaryService.Host.Scheduling;

/// <summary>
/// Starts a probe run at each occurrence of <c>Probe:Schedule</c> (six-field NCRONTAB with seconds, as Azure
/// Functions' timer trigger reads it). One run at a time: an occurrence that finds a run in progress (say, one
/// started by <c>POST /api/probes/run</c>) is skipped. After the probes, the same tick asks the lineage prompts
/// (<c>Lineage:SamplingEnabled</c>).
/// </summary>
internal sealed partial class ProbeScheduler : BackgroundService
{
    private static readonly CrontabSchedule.ParseOptions WithSeconds = new() { IncludingSeconds = true };

    private readonly ProbeRunner _runner;
    private readonly ExtractionMonitorRunner? _monitor;
    private readonly LineageSampler? _lineage;
    private readonly IOptionsMonitor<ProbeOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ProbeScheduler> _logger;

    public ProbeScheduler(ProbeRunner runner, IOptionsMonitor<ProbeOptions> options, TimeProvider timeProvider, ILogger<ProbeScheduler> logger, ExtractionMonitorRunner? monitor = null, LineageSampler? lineage = null)
    {
        _runner = runner;
        _monitor = monitor;
        _lineage = lineage;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The next occurrence of <paramref name="schedule"/> strictly after <paramref name="after"/>.</summary>
    internal static DateTimeOffset NextOccurrence(string schedule, DateTimeOffset after)
    {
        CrontabSchedule cron = CrontabSchedule.Parse(schedule, WithSeconds);
        return new DateTimeOffset(DateTime.SpecifyKind(cron.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            string schedule = _options.CurrentValue.Schedule;
            DateTimeOffset now = _timeProvider.GetUtcNow();
            DateTimeOffset next = NextOccurrence(schedule, now);
            LogNextRun(_logger, next, schedule);
            try
            {
                await WaitUntilAsync(next, _timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RunMonitorAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                ProbeRunReport? report = await _runner.TryRunAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
                if (report is null)
                {
                    LogSkipped(_logger, next);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The runner records per-competitor failures itself; anything reaching here must not stop the schedule.
                LogRunFailed(_logger, ex);
            }

            await RunLineageAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Lineage sampling runs on the probe timer, after the probes; its failure is logged only.</summary>
    private async Task RunLineageAsync(CancellationToken stoppingToken)
    {
        if (_lineage is not { IsEnabled: true })
        {
            return;
        }

        try
        {
            await _lineage.TryRunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogLineageFailed(_logger, ex);
        }
    }

    /// <summary>The extraction monitor runs on the probe timer, before the probes (which then see today's clusters); its failure is logged only.</summary>
    private async Task RunMonitorAsync(CancellationToken stoppingToken)
    {
        if (_monitor is null)
        {
            return;
        }

        try
        {
            await _monitor.TryRunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogMonitorFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Waits until <paramref name="due"/>. A timer cannot wait longer than about 49 days (Task.Delay throws), and a
    /// yearly schedule is valid, so long waits are taken in steps of at most a day.
    /// </summary>
    internal static async Task WaitUntilAsync(DateTimeOffset due, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        TimeSpan remaining;
        while ((remaining = due - timeProvider.GetUtcNow()) > TimeSpan.Zero)
        {
            await Task.Delay(remaining < MaxStep ? remaining : MaxStep, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan MaxStep = TimeSpan.FromDays(1);

    [LoggerMessage(Level = LogLevel.Information, Message = "Next probe run at {Next:u} (schedule '{Schedule}').")]
    private static partial void LogNextRun(ILogger logger, DateTimeOffset next, string schedule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The probe run due at {Due:u} was skipped: another run is in progress.")]
    private static partial void LogSkipped(ILogger logger, DateTimeOffset due);

    [LoggerMessage(Level = LogLevel.Error, Message = "A scheduled probe run failed.")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lineage sampling failed on the probe timer; the schedule goes on.")]
    private static partial void LogLineageFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The extraction monitor failed on the probe timer; the probes run regardless.")]
    private static partial void LogMonitorFailed(ILogger logger, Exception exception);
}
