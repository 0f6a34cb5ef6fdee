using System.Threading.Channels;

namespace CanaryService.Storage.Tables;

/// <summary>
/// The loop a per-request writer runs beside its interval writes: it takes what the request path queued in chunks,
/// so the queue stays short whatever the write interval, then lets a few milliseconds' worth gather.
/// </summary>
internal static class QueueReducer
{
    /// <summary>Items reduced per call: a write's snapshot, taken under the same gate, waits at most this many.</summary>
    public const int Chunk = 512;

    // Waking for every request would cost more (a thread-pool dispatch each) than reducing it, and the queue holds
    // far more than arrives meanwhile.
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Calls <paramref name="reduce"/> with <see cref="Chunk"/> while <paramref name="queue"/> holds items, until
    /// <paramref name="stoppingToken"/> fires (the writer's stop then reduces and writes what is left). A failure stops
    /// the loop and goes to <paramref name="failed"/>: the writer still reduces what is queued before each write.
    /// </summary>
    public static async Task RunAsync<T>(ChannelReader<T> queue, Action<int> reduce, Action<Exception> failed, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(reduce);
        ArgumentNullException.ThrowIfNull(failed);
        try
        {
            while (await queue.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (queue.Count > 0)
                {
                    reduce(Chunk);
                }

                await Task.Delay(Pause, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the writer's stop reduces and writes what is left.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failed(ex);
        }
    }
}
