using System.Globalization;
using Azure;
using CanaryService.Application.Campaigns;
using CanaryService.Application.Probing;
using CanaryService.Core.Operations;
using CanaryService.Core.Probing;
using Microsoft.Extensions.Logging;

namespace CanaryService.Application.Operations;

/// <summary>
/// Runs one recorded operation and keeps its record current: <c>running</c> when it starts, then <c>succeeded</c>
/// with its summary or <c>failed</c> with a message for an operator. An exception never escapes (the worker and the
/// queue trigger go on to the next operation); a shutdown mid-run marks the operation failed, honestly, since nothing
/// resumes a half-done run.
/// </summary>
public sealed partial class OperationExecutor
{
    /// <summary>The message of an operation the service stopped under.</summary>
    public const string ShutdownMessage = "The service shut down before the operation finished; start it again.";

    // Record writes after a shutdown or a failure get their own short deadline: the caller's token may be cancelled.
    private static readonly TimeSpan FinalWriteTimeout = TimeSpan.FromSeconds(10);

    private readonly IOperationStore _store;
    private readonly ProbeRunner _probes;
    private readonly ExtractionMonitorRunner _monitor;
    private readonly TimeProvider _time;
    private readonly ILogger<OperationExecutor> _logger;

    /// <summary>Creates the executor.</summary>
    public OperationExecutor(IOperationStore store, ProbeRunner probes, ExtractionMonitorRunner monitor, TimeProvider time, ILogger<OperationExecutor> logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _probes = probes;
        _monitor = monitor;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Runs the operation <paramref name="operationId"/>. One that already succeeded or failed is left alone (a queue
    /// message delivered twice); one found <c>running</c> was cut off on an instance that died and runs again.
    /// </summary>
    /// <returns>The operation's final record, or null when it could not be read (it is then left as it is).</returns>
    public async Task<OperationRecord?> ExecuteAsync(string operationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        OperationRecord? operation;
        try
        {
            operation = await _store.GetAsync(operationId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnreadable(_logger, operationId, ex);
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        if (operation is null)
        {
            LogUnknown(_logger, operationId);
            return null;
        }

        if (operation.Status is OperationStatus.Succeeded or OperationStatus.Failed)
        {
            return operation;
        }

        operation = operation with { Status = OperationStatus.Running, StartedAt = _time.GetUtcNow(), FinishedAt = null, Result = null, Error = null };
        await TrySaveAsync(operation, cancellationToken).ConfigureAwait(false);
        OperationRecord final;
        try
        {
            (string result, string? error) = await RunAsync(operation, cancellationToken).ConfigureAwait(false);

            // A run cut short by a shutdown may still return (the probe runner records what it had): it is not a result.
            cancellationToken.ThrowIfCancellationRequested();
            final = operation with
            {
                Status = error is null ? OperationStatus.Succeeded : OperationStatus.Failed,
                FinishedAt = _time.GetUtcNow(),
                Result = result,
                Error = error,
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            final = operation with { Status = OperationStatus.Failed, FinishedAt = _time.GetUtcNow(), Error = ShutdownMessage };
        }
        catch (Exception ex)
        {
            LogFailed(_logger, operation.Id, operation.Kind, ex);
            final = operation with { Status = OperationStatus.Failed, FinishedAt = _time.GetUtcNow(), Error = Describe(ex) };
        }

        await TrySaveAsync(final, CancellationToken.None).ConfigureAwait(false);
        LogFinished(_logger, final.Id, final.Kind, final.Status);
        return final;
    }

    /// <summary>Marks an operation that never started failed with <paramref name="message"/> (the service is stopping or the queue was full).</summary>
    public async Task AbandonAsync(OperationRecord operation, string message)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentException.ThrowIfNullOrEmpty(message);
        await TrySaveAsync(operation with { Status = OperationStatus.Failed, FinishedAt = _time.GetUtcNow(), Error = message }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Marks the operation <paramref name="operationId"/> failed with <paramref name="message"/> when it has not started.</summary>
    public async Task AbandonAsync(string operationId, string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        using var timeout = new CancellationTokenSource(FinalWriteTimeout);
        try
        {
            if (await _store.GetAsync(operationId, timeout.Token).ConfigureAwait(false) is { Status: OperationStatus.Queued } operation)
            {
                await AbandonAsync(operation, message).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogNotSaved(_logger, operationId, ex);
        }
    }

    private async Task<(string Result, string? Error)> RunAsync(OperationRecord operation, CancellationToken cancellationToken)
    {
        switch (operation.Kind)
        {
            case OperationKinds.ProbesRun:
                string? competitor = operation.Parameters.GetValueOrDefault("competitor");
                int? seed = operation.Parameters.TryGetValue("seed", out string? text) ? int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : null;
                ProbeRunReport report = await _probes.RunAsync(competitor, seed, cancellationToken).ConfigureAwait(false);
                return (OperationSummaries.Of(report), ProbeRunError(report));

            case OperationKinds.MonitorRun:
                return (OperationSummaries.Of(await _monitor.RunAsync(cancellationToken).ConfigureAwait(false)), null);

            default:
                throw new InvalidOperationException($"Unknown operation kind '{operation.Kind}'.");
        }
    }

    /// <summary>A run in which no competitor gave a usable answer failed, though each competitor's record was kept.</summary>
    private static string? ProbeRunError(ProbeRunReport report)
    {
        if (report.Competitors.Count == 0)
        {
            return "No competitor is configured to probe.";
        }

        if (report.Competitors.Any(c => c.Run.Status != ProbeRunStatus.Failed))
        {
            return null;
        }

        string first = string.Join("; ", report.Competitors.Select(c => c.Run.Competitor + ": " + (c.Run.Errors.Count > 0 ? c.Run.Errors[0] : "no usable answer")));
        return "Every competitor's probe failed (" + (first.Length <= 300 ? first : first[..300] + "…") + ").";
    }

    // An operator's message, never the exception's text (which may quote a URL or a response) or its stack trace:
    // those go to the log.
    private static string Describe(Exception exception) => exception switch
    {
        RequestFailedException or AggregateException { InnerExceptions: [RequestFailedException, ..] } =>
            "Storage was unavailable during the run; start it again when it is back. The service log has the details.",
        InvalidOperationException { Message: var message } when message.StartsWith("Unknown operation kind", StringComparison.Ordinal) => message,
        _ => $"The run failed unexpectedly ({exception.GetType().Name}); the service log has the details.",
    };

    private async Task TrySaveAsync(OperationRecord operation, CancellationToken cancellationToken)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FinalWriteTimeout);
        try
        {
            await _store.SaveAsync(operation, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The run goes on (or its outcome is logged): a storage hiccup must not end the worker.
            LogNotSaved(_logger, operation.Id, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Operation {OperationId} could not be read; it is left as it is.")]
    private static partial void LogUnreadable(ILogger logger, string operationId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId} has no record; nothing to run.")]
    private static partial void LogUnknown(ILogger logger, string operationId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Operation {OperationId} ({Kind}) failed.")]
    private static partial void LogFailed(ILogger logger, string operationId, string kind, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {OperationId} ({Kind}) ended {Status}.")]
    private static partial void LogFinished(ILogger logger, string operationId, string kind, OperationStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "The record of operation {OperationId} could not be written.")]
    private static partial void LogNotSaved(ILogger logger, string operationId, Exception exception);
}
