using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace CanaryService.Storage.Tables;

/// <summary>
/// How far a background table writer has come with what callers queued: counts items as they enter its channel and as
/// they are written, and completes the flushes waiting for a point in that order. Shared by the writers that must never
/// block a caller (the issuance log, the prompt sample, the traffic log), with what they refused when full.
/// </summary>
internal sealed class QueuedWriteProgress
{
    private readonly Lock _gate = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _flushWaiters = [];
    private long _enqueued;
    private long _written;
    private long _dropped;

    /// <summary>Items accepted but not yet written.</summary>
    public long Pending => Interlocked.Read(ref _enqueued) - Interlocked.Read(ref _written);

    /// <summary>Items refused because the channel was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Counts an item refused because the channel was full; true for the refusals worth a log line (the first, then
    /// every thousandth), so that a full queue does not flood the log.
    /// </summary>
    public bool CountDropped()
    {
        long dropped = Interlocked.Increment(ref _dropped);
        return dropped == 1 || dropped % 1000 == 0;
    }

    /// <summary>
    /// Completes once everything queued so far is written; when something is still waiting, asks the writer to write
    /// now (<paramref name="requestWrite"/>) instead of at its next interval.
    /// </summary>
    public Task FlushAsync(Action requestWrite, CancellationToken cancellationToken)
    {
        if (WaitForQueued() is not { } written)
        {
            return Task.CompletedTask;
        }

        requestWrite();
        return written.WaitAsync(cancellationToken);
    }

    /// <summary>Queues <paramref name="item"/> without waiting; false when the channel is full.</summary>
    public bool TryEnqueue<T>(ChannelWriter<T> writer, T item)
    {
        lock (_gate)
        {
            // Counting under the gate keeps the count in queue order, so a flush knows exactly what it waits for.
            if (writer.TryWrite(item))
            {
                _enqueued++;
                return true;
            }
        }

        return false;
    }

    /// <summary>A task that completes once everything queued so far is written; null when that is already so.</summary>
    public Task? WaitForQueued()
    {
        lock (_gate)
        {
            long target = _enqueued;
            if (Interlocked.Read(ref _written) >= target)
            {
                return null;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushWaiters.Add((target, done));
            return done.Task;
        }
    }

    /// <summary>Counts <paramref name="count"/> more items written and completes the flushes that waited for them.</summary>
    public void MarkWritten(int count)
    {
        long written = Interlocked.Add(ref _written, count);
        lock (_gate)
        {
            for (int i = _flushWaiters.Count - 1; i >= 0; i--)
            {
                if (_flushWaiters[i].Target <= written)
                {
                    _flushWaiters[i].Done.TrySetResult();
                    _flushWaiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="item"/> without waiting; when the channel is full, counts the refusal (on
    /// <paramref name="dropped"/> too) and calls <paramref name="logDropped"/> with the total for the refusals worth a log
    /// line. False when refused.
    /// </summary>
    public bool EnqueueOrDrop<T>(ChannelWriter<T> writer, T item, Counter<long> dropped, Action<long> logDropped)
    {
        if (TryEnqueue(writer, item))
        {
            return true;
        }

        CountRefused(dropped, logDropped);
        return false;
    }

    /// <summary>Counts an item refused (the queue's bound was reached), as <see cref="EnqueueOrDrop"/> does.</summary>
    public void CountRefused(Counter<long> dropped, Action<long> logDropped)
    {
        dropped.Add(1);
        if (CountDropped())
        {
            logDropped(Dropped);
        }
    }

    /// <summary>
    /// At shutdown, after the loop stopped: runs <paramref name="writeRemaining"/> for at most <paramref name="grace"/>,
    /// and when that runs out calls <paramref name="logLost"/> with what is still unwritten.
    /// </summary>
    public async Task DrainAsync(Func<CancellationToken, Task> writeRemaining, TimeSpan grace, Action<long> logLost)
    {
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await writeRemaining(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logLost(Pending);
        }
    }
}
