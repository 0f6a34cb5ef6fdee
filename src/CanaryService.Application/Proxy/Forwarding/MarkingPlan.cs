using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Marking;
using Microsoft.Extensions.Logging;

namespace CanaryService.Application.Proxy.Forwarding;

/// <summary>
/// The marking of one chat completion, begun while the request is still on its way upstream so the registry
/// write (if any) overlaps the model's answer.
/// </summary>
internal sealed partial class MarkingPlan
{
    private readonly Task<ResponseMarking?> _marking;

    public MarkingPlan(Task<ResponseMarking?> marking, int maxRewrittenResponseBytes)
    {
        _marking = marking;
        MaxRewrittenResponseBytes = maxRewrittenResponseBytes;
    }

    public int MaxRewrittenResponseBytes { get; }

    /// <summary>Starts the marking; a failure leaves the answer unmarked rather than failing the caller.</summary>
    public static MarkingPlan Begin(
        CanaryMarker marker, string accountId, string promptText, int maxRewrittenResponseBytes, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(marker);
        return new MarkingPlan(BeginCoreAsync(marker, accountId, promptText, logger, cancellationToken), maxRewrittenResponseBytes);
    }

    /// <summary>The marking, or null when it could not be prepared.</summary>
    public Task<ResponseMarking?> MarkingAsync() => _marking;

    /// <summary>Words of the text marked so far (an estimate; 0 when the marking could not be prepared).</summary>
    public long OutputWords => _marking.IsCompletedSuccessfully && _marking.Result is { } marking ? marking.WordsSeen : 0;

    private static async Task<ResponseMarking?> BeginCoreAsync(
        CanaryMarker marker, string accountId, string promptText, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            return await marker.BeginAsync(new MarkingRequest(accountId, promptText), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
#pragma warning disable CA1031 // Marking must never be the reason a caller's request fails.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogMarkingFailed(logger, exception);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not prepare the marking of a response; it is passed through unmarked.")]
    private static partial void LogMarkingFailed(ILogger logger, Exception exception);
}
