using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Azure.Data.Tables;
using CanaryService.Core.Issuance;
using CanaryService.Storage.Tables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CanaryService.Storage.Issuance;

/// <summary>
/// The issuance log in Azure Tables (table <c>Issuance</c>): one row per (account, day) with the marked
/// responses, marked choices and canaries it received, and one row per (account, day, canary) with how often
/// that canary went to it. <see cref="Record"/> only enqueues; this service's background loop writes.
/// </summary>
/// <remarks>
/// <para><b>The queue.</b> <see cref="Record"/> puts the event in a bounded in-memory queue of
/// <see cref="StorageOptions.IssuanceQueueCapacity"/> events and returns at once; it never waits and never
/// throws for a storage fault. When the queue is full (storage has been down long enough for that many events to
/// pile up) the event is dropped: <see cref="Record"/> returns false, the drop is counted in
/// <see cref="DroppedCount"/> and the metric <c>canary.issuance.dropped</c>, and an error is logged (on the
/// first drop and then every 1,000th, so an outage cannot flood the log).</para>
/// <para><b>The writer.</b> Every <see cref="StorageOptions.IssuanceFlushInterval"/> (or at once on
/// <see cref="FlushAsync"/>) it takes what is queued, sums it per row and writes each account's rows in entity
/// group transactions of at most 100 rows. A failed write is retried with exponential backoff for as long as
/// it takes; meanwhile new events wait in the queue. Counts are exact: a retried transaction whose first attempt
/// was in fact applied is recognised by the batch id stored in its rows and is not applied twice (see
/// <see cref="IssuanceBatchWriter"/>). Nothing accepted is lost while the process lives; on host shutdown the
/// writer keeps trying for <see cref="StorageOptions.IssuanceShutdownTimeout"/> and logs what it could not write.</para>
/// </remarks>
public sealed partial class TableIssuanceLog : BackgroundService, IIssuanceLog
{
    /// <summary>The meter that reports queue drops and writes.</summary>
    public const string MeterName = "CanaryService.Storage";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly Counter<long> s_dropped = s_meter.CreateCounter<long>("canary.issuance.dropped", "{event}", "Issuance events dropped because the queue was full.");
    private static readonly Counter<long> s_written = s_meter.CreateCounter<long>("canary.issuance.written", "{event}", "Issuance events written to storage.");

    private readonly TableClient _table;
    private readonly StorageOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<IssuanceEvent> _queue;
    private readonly IssuanceBatchWriter _writer;
    private readonly QueuedWriteProgress _progress = new();
    private readonly SemaphoreSlim _flushNow = new(0, 1);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private List<IssuanceBatch> _pending = [];
    private int _pendingEvents;

    /// <summary>Creates the log over <paramref name="table"/>; the writer runs once the service is started.</summary>
    public TableIssuanceLog(TableClient table, StorageOptions options, ILogger<TableIssuanceLog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.IssuanceQueueCapacity, 1, nameof(options));
        _table = table;
        _options = options;
        _logger = logger ?? NullLogger<TableIssuanceLog>.Instance;
        _writer = new IssuanceBatchWriter(table);
        _queue = Channel.CreateBounded<IssuanceEvent>(new BoundedChannelOptions(options.IssuanceQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: refuse (and let us count) rather than block
            SingleReader = true,
        });
    }

    /// <summary>Events dropped because the queue was full, since start.</summary>
    public long DroppedCount => _progress.Dropped;

    /// <summary>Events accepted but not yet written.</summary>
    public long PendingCount => _progress.Pending;

    /// <inheritdoc />
    /// <remarks>Never blocks and never throws for a storage fault; returns false (and logs and counts) only when the queue is full.</remarks>
    public bool Record(IssuanceEvent issuance)
    {
        ArgumentNullException.ThrowIfNull(issuance);
        return _progress.EnqueueOrDrop(_queue.Writer, issuance, s_dropped, dropped => LogDropped(_logger, _options.IssuanceQueueCapacity, dropped));
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) => _progress.FlushAsync(RequestWrite, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<AccountIssuance>> QueryAsync(DateOnly firstDay, DateOnly lastDay, CancellationToken cancellationToken = default)
    {
        if (lastDay < firstDay)
        {
            return [];
        }

        string filter = TableClient.CreateQueryFilter($"RowKey ge {TableKeys.Day(firstDay)} and RowKey lt {TableKeys.Day(lastDay.AddDays(1))}");
        var totals = new Dictionary<string, (long Responses, Dictionary<(string, string), long> Topics)>(StringComparer.Ordinal);
        await foreach (TableEntity row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            string account = row.GetString("Account") ?? row.PartitionKey;
            if (!totals.TryGetValue(account, out var total))
            {
                total = (0, new Dictionary<(string, string), long>());
            }

            long responses = row.GetInt64("Responses") ?? 0;
            if (row.GetString("Epoch") is { } epoch && row.GetString("Topic") is { } topic)
            {
                total.Topics[(epoch, topic)] = total.Topics.GetValueOrDefault((epoch, topic)) + responses;
            }
            else
            {
                total.Responses += responses;
            }

            totals[account] = total;
        }

        return [.. totals
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new AccountIssuance(t.Key, t.Value.Responses, t.Value.Topics))];
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                if (_pending.Count == 0)
                {
                    if (!await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
                    {
                        return; // completed: the host is stopping
                    }

                    await _flushNow.WaitAsync(_options.IssuanceFlushInterval, stoppingToken).ConfigureAwait(false);
                }

                await WriteAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: StopAsync writes what is left.
        }
    }

    /// <summary>Stops the writer loop, then keeps writing what is queued for up to <see cref="StorageOptions.IssuanceShutdownTimeout"/>.</summary>
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
        _flushNow.Dispose();
        _writing.Dispose();
        base.Dispose();
    }

    private void RequestWrite()
    {
        try
        {
            if (_flushNow.CurrentCount == 0)
            {
                _flushNow.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another caller asked at the same moment; one signal is enough.
        }
        catch (ObjectDisposedException)
        {
            // Disposed at shutdown; nothing is waiting for the signal any more.
        }
    }

    /// <summary>Seals what is queued into batches (unless earlier batches are still unwritten) and writes them all.</summary>
    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        // The loop and the shutdown flush never write at once (the loop may still be unwinding when the host gives up waiting).
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task WriteCoreAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            var events = new List<IssuanceEvent>();
            while (events.Count < _options.IssuanceQueueCapacity && _queue.Reader.TryRead(out IssuanceEvent? issued))
            {
                events.Add(issued);
            }

            if (events.Count == 0)
            {
                return;
            }

            _pending = IssuanceBatch.Aggregate(events);
            _pendingEvents = events.Count;
        }

        await Parallel.ForEachAsync(
            _pending.Where(b => !b.IsApplied).ToArray(),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.IssuanceWriteConcurrency), CancellationToken = cancellationToken },
            ApplyWithRetriesAsync).ConfigureAwait(false);

        _pending = [];
        _progress.MarkWritten(_pendingEvents);
        s_written.Add(_pendingEvents);
        _pendingEvents = 0;
    }

    private async ValueTask ApplyWithRetriesAsync(IssuanceBatch batch, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(_options.RetryInitialDelay, _options.RetryMaxDelay);
        while (true)
        {
            try
            {
                bool applied = await _table.WithTableAsync(ct => _writer.ApplyAsync(batch, ct), cancellationToken).ConfigureAwait(false);
                if (!applied)
                {
                    LogAlreadyApplied(_logger, batch.Id);
                }

                if (backoff.Failures > 0)
                {
                    LogRecovered(_logger, backoff.Failures);
                }

                batch.IsApplied = true;
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Storage is down or unreachable: keep the batch and try again later, never give up on it.
                cancellationToken.ThrowIfCancellationRequested();
                if (backoff.Failures == 0 || backoff.Failures % 20 == 0)
                {
                    LogWriteFailed(_logger, ex, batch.Rows.Count, backoff.Failures + 1);
                }

                await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "The issuance queue is full ({Capacity} events waiting for storage); an issuance event was dropped ({Dropped} dropped so far).")]
    private static partial void LogDropped(ILogger logger, int capacity, long dropped);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Writing {Rows} issuance rows failed (attempt {Attempt}); the events stay queued and will be retried.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int rows, int attempt);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Issuance writes succeeded again after {Failures} failed attempts.")]
    private static partial void LogRecovered(ILogger logger, int failures);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Issuance batch {BatchId} had already been applied by an attempt whose outcome was unknown; it was not applied twice.")]
    private static partial void LogAlreadyApplied(ILogger logger, string batchId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Shutting down with {Pending} issuance events unwritten: storage stayed unreachable for the {Timeout} shutdown grace period.")]
    private static partial void LogLostAtShutdown(ILogger logger, long pending, TimeSpan timeout);
}
