using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CanaryService.Application.Operations;

/// <summary>
/// The Host's background worker: runs the operations of <see cref="ChannelOperationDispatcher"/> one at a time (each is
/// a long run that takes its own locks). On shutdown the running operation is marked failed by the executor and the
/// ones still waiting are marked failed too, so no record is left claiming a run that will never happen.
/// </summary>
public sealed partial class OperationWorker : BackgroundService
{
    /// <summary>The message of an operation still waiting when the service stopped.</summary>
    public const string NotStartedMessage = "The service shut down before the operation started; start it again.";

    private readonly ChannelOperationDispatcher _queue;
    private readonly OperationExecutor _executor;
    private readonly ILogger<OperationWorker> _logger;

    /// <summary>Creates the worker.</summary>
    public OperationWorker(ChannelOperationDispatcher queue, OperationExecutor executor, ILogger<OperationWorker> logger)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(logger);
        _queue = queue;
        _executor = executor;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await foreach (string id in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await _executor.ExecuteAsync(id, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The executor records failures itself; this is a last guard so one operation never ends the worker.
                    LogUnexpected(_logger, id, ex);
                }

                if (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        while (_queue.Reader.TryRead(out string? waiting))
        {
            await _executor.AbandonAsync(waiting, NotStartedMessage).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Operation {OperationId} ended with an unexpected error; the worker goes on.")]
    private static partial void LogUnexpected(ILogger logger, string operationId, Exception exception);
}
