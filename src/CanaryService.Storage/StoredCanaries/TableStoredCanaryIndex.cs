using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using CanaryService.Core.Issuance;
using CanaryService.Storage.Tables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CanaryService.Storage.StoredCanaries;

/// <summary>
/// The stored-answer canary index in Azure Tables (table <c>StoredCanaries</c>, PK the UTC month the answer was
/// created, <c>yyyy-MM</c>; RK the escaped response id). <see cref="Record"/> only enqueues; this service's background
/// loop writes what is queued at once (upserts, so a retried write changes nothing), retries with backoff while storage
/// is down, and once a day deletes the months older than <see cref="StorageOptions.StoredCanaryRetention"/>.
/// </summary>
/// <remarks>
/// A lookup reads the row in each month the retention spans, newest first (two point reads at most for the default
/// 31 days), so it needs no index of its own and old months go as whole partitions.
/// </remarks>
public sealed partial class TableStoredCanaryIndex : BackgroundService, IStoredCanaryIndex
{
    private static readonly Meter s_meter = new(Issuance.TableIssuanceLog.MeterName);
    private static readonly Counter<long> s_dropped = s_meter.CreateCounter<long>("canary.stored_canaries.dropped", "{entry}", "Stored-answer canaries not recorded because the queue was full.");

    private static readonly TimeSpan SweepEvery = TimeSpan.FromDays(1);

    // Entity group transactions hold at most 100 operations, all in one partition.
    private const int MaxTransactionOperations = 100;

    private readonly TableClient _table;
    private readonly StorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<StoredCanary> _queue;
    private readonly QueuedWriteProgress _progress = new();
    private readonly SemaphoreSlim _writing = new(1, 1);

    // Entries recorded and not yet written: a lookup finds them at once (the fetch of an answer just created may come
    // before the write does).
    private readonly ConcurrentDictionary<string, StoredCanary> _unwritten = new(StringComparer.Ordinal);
    private List<StoredCanary> _pending = [];
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <summary>Creates the index over <paramref name="table"/>; the writer runs once the service is started.</summary>
    /// <param name="table">The <c>StoredCanaries</c> table.</param>
    /// <param name="options">The storage settings (the <c>StoredCanary*</c> and retry ones).</param>
    /// <param name="timeProvider">The clock (retention).</param>
    /// <param name="logger">Where drops and write failures are logged.</param>
    public TableStoredCanaryIndex(TableClient table, StorageOptions options, TimeProvider? timeProvider = null, ILogger<TableStoredCanaryIndex>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StoredCanaryQueueCapacity, 1, nameof(options));
        _table = table;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<TableStoredCanaryIndex>.Instance;
        _queue = Channel.CreateBounded<StoredCanary>(new BoundedChannelOptions(options.StoredCanaryQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: refuse (and let us count) rather than block
            SingleReader = true,
        });
    }

    /// <summary>Entries dropped because the queue was full, since start.</summary>
    public long DroppedCount => _progress.Dropped;

    /// <inheritdoc />
    public bool Record(StoredCanary canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        if (string.IsNullOrEmpty(canary.ResponseId))
        {
            return false;
        }

        _unwritten[canary.ResponseId] = canary;
        if (_progress.EnqueueOrDrop(_queue.Writer, canary, s_dropped, dropped => LogDropped(_logger, _options.StoredCanaryQueueCapacity, dropped)))
        {
            return true;
        }

        _unwritten.TryRemove(new KeyValuePair<string, StoredCanary>(canary.ResponseId, canary));
        return false;
    }

    /// <inheritdoc />
    /// <remarks>The writer writes as soon as something is queued, so a flush only waits for it.</remarks>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _progress.FlushAsync(static () => { }, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="TimeoutException">Storage did not answer within <see cref="StorageOptions.StoredCanaryReadTimeout"/>.</exception>
    public async Task<StoredCanary?> FindAsync(string responseId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(responseId);
        if (_unwritten.TryGetValue(responseId, out StoredCanary? recorded))
        {
            return recorded;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StoredCanaryReadTimeout);
        string rowKey = TableKeys.Escape(responseId);
        try
        {
            foreach (string month in RetainedMonths())
            {
                NullableResponse<TableEntity> row = await _table.GetEntityIfExistsAsync<TableEntity>(month, rowKey, cancellationToken: timeout.Token).ConfigureAwait(false);
                if (row.HasValue && row.Value is { } entity && FromEntity(entity) is { } canary)
                {
                    return canary;
                }
            }
        }
        catch (RequestFailedException ex) when (TableWrites.IsTableNotFound(ex))
        {
            return null; // nothing was ever recorded
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The stored-canary index did not answer within {_options.StoredCanaryReadTimeout}.");
        }

        return null;
    }

    /// <summary>Deletes the months older than the retention now (the writer does this daily); returns the rows deleted.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        string oldestKept = Month(_time.GetUtcNow() - _options.StoredCanaryRetention);
        string filter = TableClient.CreateQueryFilter($"PartitionKey lt {oldestKept}");
        var expired = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        try
        {
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (!expired.TryGetValue(row.PartitionKey, out List<string>? rows))
                {
                    expired[row.PartitionKey] = rows = [];
                }

                rows.Add(row.RowKey);
            }
        }
        catch (RequestFailedException ex) when (TableWrites.IsTableNotFound(ex))
        {
            return 0;
        }

        int deleted = 0;
        foreach ((string partition, List<string> rows) in expired)
        {
            foreach (string[] chunk in rows.Chunk(MaxTransactionOperations))
            {
                await _table.SubmitTransactionAsync(
                    chunk.Select(rowKey => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, rowKey), ETag.All)),
                    cancellationToken).ConfigureAwait(false);
                deleted += chunk.Length;
            }
        }

        return deleted;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                if (_pending.Count == 0 && !await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
                {
                    return; // completed: the host is stopping
                }

                await WriteAsync(stoppingToken).ConfigureAwait(false);
                await SweepIfDueAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: StopAsync writes what is left.
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await _progress.DrainAsync(
            async token =>
            {
                while (_pending.Count > 0 || _queue.Reader.Count > 0)
                {
                    await WriteAsync(token).ConfigureAwait(false);
                }
            },
            _options.IssuanceShutdownTimeout,
            pending => LogLostAtShutdown(_logger, pending, _options.IssuanceShutdownTimeout)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _writing.Dispose();
        base.Dispose();
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        // The loop and the shutdown flush never write at once (the loop may still be unwinding when the host gives up waiting).
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_pending.Count == 0)
            {
                while (_pending.Count < _options.StoredCanaryQueueCapacity && _queue.Reader.TryRead(out StoredCanary? canary))
                {
                    _pending.Add(canary);
                }
            }

            if (_pending.Count == 0)
            {
                return;
            }

            var backoff = new Backoff(_options.RetryInitialDelay, _options.RetryMaxDelay);
            while (true)
            {
                try
                {
                    await _table.WithTableAsync(WritePendingAsync, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // Storage is down or unreachable: keep the entries and try again later, never give up on them.
                    if (backoff.Failures == 0 || backoff.Failures % 20 == 0)
                    {
                        LogWriteFailed(_logger, ex, _pending.Count, backoff.Failures + 1);
                    }

                    await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (StoredCanary canary in _pending)
            {
                _unwritten.TryRemove(new KeyValuePair<string, StoredCanary>(canary.ResponseId, canary));
            }

            int written = _pending.Count;
            _pending = [];
            _progress.MarkWritten(written);
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task<bool> WritePendingAsync(CancellationToken cancellationToken)
    {
        // Upserts: an entry written by an attempt whose outcome was unknown is written again to the same row.
        foreach (IGrouping<string, TableEntity> month in _pending.Select(ToEntity).GroupBy(e => e.PartitionKey, StringComparer.Ordinal))
        {
            // A response id recorded twice in one batch (a retried create) keeps its last entry: a transaction may touch a row once.
            TableEntity[] rows = [.. month.GroupBy(e => e.RowKey, StringComparer.Ordinal).Select(g => g.Last())];
            foreach (TableEntity[] chunk in rows.Chunk(MaxTransactionOperations))
            {
                await _table.SubmitTransactionAsync(
                    chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)),
                    cancellationToken).ConfigureAwait(false);
            }
        }

        return true;
    }

    private async Task SweepIfDueAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + SweepEvery;
        try
        {
            await DeleteExpiredAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Expired rows only take space (lookups never read their months); the next sweep tries again.
            LogSweepFailed(_logger, ex);
        }
    }

    /// <summary>The months a lookup reads: from this one back to the month of the retention's start.</summary>
    private List<string> RetainedMonths()
    {
        DateTimeOffset now = _time.GetUtcNow();
        DateTime first = (now - _options.StoredCanaryRetention).UtcDateTime;
        var month = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        List<string> months = [];
        while (month >= new DateTime(first.Year, first.Month, 1, 0, 0, 0, DateTimeKind.Utc))
        {
            months.Add(Month(month));
            month = month.AddMonths(-1);
        }

        return months;
    }

    private static string Month(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(StoredCanary canary) => new(Month(canary.CreatedAt), TableKeys.Escape(canary.ResponseId))
    {
        ["ResponseId"] = canary.ResponseId,
        ["CreatedAt"] = canary.CreatedAt,
        ["Epoch"] = canary.Epoch,
        ["Topic"] = canary.Topic,
    };

    private static StoredCanary? FromEntity(TableEntity entity) =>
        entity.GetString("ResponseId") is { } id && entity.GetString("Epoch") is { } epoch && entity.GetString("Topic") is { } topic
            ? new StoredCanary(id, entity.GetDateTimeOffset("CreatedAt") ?? entity.Timestamp ?? DateTimeOffset.MinValue, epoch, topic)
            : null;

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "The stored-canary queue is full ({Capacity} entries waiting for storage); an entry was dropped ({Dropped} dropped so far): that stored answer, fetched again, will carry no phrase canary.")]
    private static partial void LogDropped(ILogger logger, int capacity, long dropped);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Writing {Entries} stored-answer canaries failed (attempt {Attempt}); they stay queued and will be retried.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int entries, int attempt);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Deleting expired stored-answer canaries failed; the next daily sweep tries again.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Shutting down with {Pending} stored-answer canaries unwritten: storage stayed unreachable for the {Timeout} shutdown grace period.")]
    private static partial void LogLostAtShutdown(ILogger logger, long pending, TimeSpan timeout);
}
