using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.Storage.Tables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CanaryService.Storage.PromptSamples;

/// <summary>
/// The prompt sample in Azure Tables (table <c>PromptSamples</c>, PK account, RK <c>{window}|{priority}</c>): per
/// account and window, the <see cref="StorageOptions.PromptSamplesPerWindow"/> distinct prompts with the smallest keyed
/// priority, a uniform sample however many prompts the account sent. <see cref="Record"/> only enqueues; this
/// service's background loop writes, and deletes windows older than <see cref="StorageOptions.PromptSampleRetention"/>.
/// </summary>
/// <remarks>
/// <para><b>Why bottom-K and not Algorithm R.</b> Reservoir sampling by counter needs one read-modify-write of the
/// window's count per prompt, which several instances (and a restart) would race on. Keeping the K smallest of
/// independent uniform priorities gives the same uniform sample, merges across instances and restarts (each is just
/// more candidates), and makes every write idempotent (a row's key is its content's priority; a retried upsert or
/// delete changes nothing).</para>
/// <para><b>The queue.</b> <see cref="Record"/> puts the prompt in a queue and returns at once; it never waits and
/// never throws for a storage fault. A background reducer takes prompts off the queue as they arrive, computes each
/// one's keyed priority and drops at once, with no storage call, every prompt that cannot enter its window's sample
/// (its priority is above the K-th stored one, or it is already there, or its window is past the retention). What can
/// enter waits in memory, at most K per window, for the writer, which writes every
/// <see cref="StorageOptions.PromptSampleFlushInterval"/> (sooner once half the bound is held) one entity group
/// transaction per window. So once a window's sample is full, a prompt costs one HMAC and is gone in microseconds.</para>
/// <para><b>The bound.</b> At most <see cref="StorageOptions.PromptSampleQueueCapacity"/> prompts are held in memory,
/// queued or waiting for storage; past it <see cref="Record"/> drops the prompt (counted in <see cref="DroppedCount"/>
/// and the metric <c>canary.prompt_samples.dropped</c>, logged on the first drop and every 1,000th). While storage is
/// down the writer retries with backoff and the reducer goes on deciding, so an outage loses nothing until that many
/// candidates wait.</para>
/// </remarks>
public sealed partial class TablePromptSampleLog : BackgroundService, IPromptSampleLog
{
    private static readonly Meter s_meter = new(Issuance.TableIssuanceLog.MeterName);
    private static readonly Counter<long> s_dropped = s_meter.CreateCounter<long>("canary.prompt_samples.dropped", "{prompt}", "Prompts not sampled because the queue was full.");
    private static readonly Counter<long> s_stored = s_meter.CreateCounter<long>("canary.prompt_samples.stored", "{prompt}", "Prompts written into an account's sample.");

    // Expired windows are swept this often; reads ignore them meanwhile, so the sweep only reclaims space.
    private static readonly TimeSpan SweepEvery = TimeSpan.FromHours(1);

    // Past this many tracked (account, window) samples the in-memory view is dropped and re-read on demand: it is a
    // cache of what storage holds, never the only copy.
    private const int MaxTrackedWindows = 100_000;

    private readonly TableClient _table;
    private readonly StorageOptions _options;
    private readonly PromptSampleKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<PromptSample> _queue;
    private readonly QueuedWriteProgress _progress = new();
    private readonly SemaphoreSlim _flushNow = new(0, 1);
    private readonly SemaphoreSlim _writing = new(1, 1);

    // The reducer's state, under the gate: the known samples, the candidates waiting for the writer, and how many
    // prompts (in queue order) have been decided.
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Account, string Window), BottomKReservoir> _reservoirs = [];
    private Dictionary<(string Account, string Window), WindowBatch> _candidates = [];
    private long _reduced;
    private (long Ticks, string Window) _lastWindow = (long.MinValue, "");

    // Prompts in memory: queued, or waiting in a batch to be written (the bound of PromptSampleQueueCapacity).
    private long _held;

    // The writer's own state (under _writing): batches taken but not yet all applied, and how far written was marked.
    private List<WindowBatch> _pending = [];
    private long _pendingReduced;
    private long _markedWritten;
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <summary>Creates the log over <paramref name="table"/>; the writer runs once the service is started.</summary>
    /// <param name="table">The <c>PromptSamples</c> table.</param>
    /// <param name="options">The storage settings (the <c>PromptSample*</c> ones).</param>
    /// <param name="priorityKey">Keys the sample's priorities (<c>CanaryKeyRing.PromptSampleKey</c>).</param>
    /// <param name="timeProvider">The clock (windows and retention).</param>
    /// <param name="logger">Where drops and write failures are logged.</param>
    public TablePromptSampleLog(TableClient table, StorageOptions options, byte[] priorityKey, TimeProvider? timeProvider = null, ILogger<TablePromptSampleLog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(priorityKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PromptSampleQueueCapacity, 1, nameof(options));
        _table = table;
        _options = options;
        _keys = new PromptSampleKeys(priorityKey, options.PromptSampleWindow);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<TablePromptSampleLog>.Instance;
        // Unbounded as a channel: the bound is on everything held (_held), queued or waiting for storage.
        _queue = Channel.CreateUnbounded<PromptSample>(new UnboundedChannelOptions { SingleReader = false });
    }

    /// <summary>Prompts dropped because the queue was full, since start.</summary>
    public long DroppedCount => _progress.Dropped;

    /// <summary>Prompts accepted but not yet through the writer.</summary>
    public long PendingCount => _progress.Pending;

    /// <inheritdoc />
    /// <remarks>Never blocks and never throws for a storage fault.</remarks>
    public bool Record(PromptSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (_options.PromptSamplesPerWindow == 0 || string.IsNullOrWhiteSpace(sample.Prompt) || sample.Prompt.Length > _options.PromptSampleMaxPromptChars
            || string.IsNullOrEmpty(sample.AccountId))
        {
            return false;
        }

        long held = Interlocked.Increment(ref _held);
        if (held <= _options.PromptSampleQueueCapacity)
        {
            if (_progress.TryEnqueue(_queue.Writer, sample))
            {
                if (held * 2 >= _options.PromptSampleQueueCapacity)
                {
                    RequestWrite(); // half the bound is held: write now rather than at the interval
                }

                return true;
            }
        }

        Interlocked.Decrement(ref _held);
        _progress.CountRefused(s_dropped, dropped => LogDropped(_logger, _options.PromptSampleQueueCapacity, dropped));
        return false;
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) => _progress.FlushAsync(RequestWrite, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Reads the keys of the retained windows (a window's first <see cref="StorageOptions.PromptSamplesPerWindow"/>
    /// rows are its sample), chooses the <paramref name="maxPrompts"/> whose priority mixed with <paramref name="draw"/>
    /// is smallest (uniform, as the priorities are), and reads only those rows.
    /// </remarks>
    public async Task<IReadOnlyList<SampledPrompt>> ReadAsync(string accountId, int maxPrompts, ulong draw = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPrompts);
        string partition = TableKeys.Escape(accountId);
        string first = PromptSampleKeys.Window(RetainedSince());
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {first}");
        List<string> keys = [];
        string? window = null;
        int inWindow = 0;
        try
        {
            // Rows come back in row-key order: by window, then by priority, so a window's sample is its first K rows.
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                string rowWindow = row.RowKey[..PromptSampleKeys.WindowLength];
                if (!string.Equals(rowWindow, window, StringComparison.Ordinal))
                {
                    (window, inWindow) = (rowWindow, 0);
                }

                if (++inWindow <= _options.PromptSamplesPerWindow)
                {
                    keys.Add(row.RowKey);
                }
            }
        }
        catch (RequestFailedException ex) when (TableWrites.IsTableNotFound(ex))
        {
            return [];
        }

        IEnumerable<string> chosen = keys.Count <= maxPrompts
            ? keys
            : keys.OrderBy(k => PromptSampleKeys.DrawOrder(PromptSampleKeys.PriorityOf(k), draw)).Take(maxPrompts).Order(StringComparer.Ordinal);
        List<SampledPrompt> prompts = [];
        foreach (string rowKey in chosen)
        {
            NullableResponse<TableEntity> row = await _table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (row.HasValue && row.Value is { } entity && entity.GetString("Prompt") is { } prompt && PromptSampleKeys.ParseWindow(rowKey) is { } start)
            {
                prompts.Add(new SampledPrompt(entity.GetString("Account") ?? accountId, start, prompt));
            }
        }

        return prompts;
    }

    /// <summary>Deletes the rows of windows older than the retention now (the writer does this every hour); returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        string cutoff = PromptSampleKeys.Window(RetainedSince());
        string filter = TableClient.CreateQueryFilter($"RowKey lt {cutoff}");
        List<TableEntity> expired = [];
        try
        {
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                expired.Add(row);
            }
        }
        catch (RequestFailedException ex) when (TableWrites.IsTableNotFound(ex))
        {
            return 0;
        }

        foreach (IGrouping<string, TableEntity> partition in expired.GroupBy(r => r.PartitionKey, StringComparer.Ordinal))
        {
            foreach (TableEntity[] chunk in partition.Chunk(100))
            {
                await SubmitAsync([.. chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All))], cancellationToken).ConfigureAwait(false);
            }
        }

        return expired.Count;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Task reducing = Task.Run(() => ReduceLoopAsync(stoppingToken), CancellationToken.None);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _flushNow.WaitAsync(_options.PromptSampleFlushInterval, stoppingToken).ConfigureAwait(false);
                if (HasWork())
                {
                    await WriteAsync(stoppingToken).ConfigureAwait(false);
                }

                await SweepIfDueAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: StopAsync writes what is left.
        }

        await reducing.ConfigureAwait(false);
    }

    /// <summary>Decides prompts as they arrive, so a prompt that cannot enter the sample leaves memory at once.</summary>
    private Task ReduceLoopAsync(CancellationToken stoppingToken) =>
        QueueReducer.RunAsync(_queue.Reader, Reduce, ex => LogReducerFailed(_logger, ex), stoppingToken);

    /// <summary>
    /// Decides at most <paramref name="limit"/> queued prompts: computes the priority, drops what cannot enter the
    /// sample, keeps the rest as candidates of their window. Reading and deciding happen under the gate, so the count
    /// of decided prompts is in queue order and a write's snapshot never misses one taken off the queue.
    /// </summary>
    private void Reduce(int limit)
    {
        lock (_gate)
        {
            string retained = PromptSampleKeys.Window(RetainedSince());
            for (int taken = 0; taken < limit && _queue.Reader.TryRead(out PromptSample? sample); taken++)
            {
                _reduced++;
                if (!Consider(sample, retained))
                {
                    Interlocked.Decrement(ref _held);
                }
            }
        }
    }

    /// <summary>True when the prompt stays in memory as a candidate (the caller holds the gate).</summary>
    private bool Consider(PromptSample sample, string retained)
    {
        string window = WindowOf(sample.At);
        if (string.CompareOrdinal(window, retained) < 0)
        {
            return false; // already past the retention (queued through a long outage)
        }

        ulong priority = _keys.Priority(sample.AccountId, window, sample.Prompt);
        (string, string) key = (sample.AccountId, window);
        if (_reservoirs.TryGetValue(key, out BottomKReservoir? known) && !known.Admits(priority))
        {
            return false; // cannot enter the sample: no storage call at all
        }

        if (!_candidates.TryGetValue(key, out WindowBatch? batch))
        {
            _candidates[key] = batch = new WindowBatch(sample.AccountId, window);
        }

        // The batch keeps its K smallest: one more is held unless the prompt was a duplicate or displaced one (itself
        // or another candidate, which then leaves memory in its place).
        int before = batch.Count;
        batch.Add(priority, sample.Prompt, _options.PromptSamplesPerWindow);
        return batch.Count > before;
    }

    /// <summary>The window's row-key prefix, formatted once per window rather than once per prompt.</summary>
    private string WindowOf(DateTimeOffset at)
    {
        DateTimeOffset start = _keys.WindowStart(at);
        if (start.UtcTicks != _lastWindow.Ticks)
        {
            _lastWindow = (start.UtcTicks, PromptSampleKeys.Window(start));
        }

        return _lastWindow.Window;
    }

    /// <summary>Whether anything is queued, waiting for storage or not yet counted as done.</summary>
    private bool HasWork()
    {
        lock (_gate)
        {
            return _pending.Count > 0 || _candidates.Count > 0 || _queue.Reader.Count > 0 || _reduced > _markedWritten;
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
                while (HasWork())
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
        _keys.Dispose();
        base.Dispose();
    }

    /// <summary>Windows that start before this are past the retention.</summary>
    private DateTimeOffset RetainedSince() => _time.GetUtcNow() - _options.PromptSampleRetention;

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
            int deleted = await DeleteExpiredAsync(cancellationToken).ConfigureAwait(false);
            if (deleted > 0)
            {
                LogSwept(_logger, deleted);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Reads ignore expired windows anyway; the next sweep tries again.
            LogSweepFailed(_logger, ex);
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        // The loop and the shutdown flush never write at once.
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
            // Take the candidates gathered so far; the reducer starts new batches for what arrives meanwhile.
            Reduce(int.MaxValue);
            lock (_gate)
            {
                _pending = [.. _candidates.Values];
                _candidates = [];
                _pendingReduced = _reduced;
            }
        }

        await Parallel.ForEachAsync(
            _pending.Where(b => !b.IsApplied).ToArray(),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.IssuanceWriteConcurrency), CancellationToken = cancellationToken },
            ApplyWithRetriesAsync).ConfigureAwait(false);

        // Every prompt decided before the batches were taken is now written or needed no write.
        Interlocked.Add(ref _held, -_pending.Sum(b => (long)b.Count));
        _pending = [];
        _progress.MarkWritten((int)(_pendingReduced - _markedWritten));
        _markedWritten = _pendingReduced;
        EvictEndedWindows();
    }

    private async ValueTask ApplyWithRetriesAsync(WindowBatch batch, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(_options.RetryInitialDelay, _options.RetryMaxDelay);
        while (true)
        {
            try
            {
                await _table.WithTableAsync(async ct =>
                {
                    await ApplyAsync(batch, ct).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
                if (backoff.Failures > 0)
                {
                    LogRecovered(_logger, backoff.Failures);
                }

                batch.IsApplied = true;
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Storage is down or unreachable: keep the batch and try again later.
                cancellationToken.ThrowIfCancellationRequested();
                if (backoff.Failures == 0 || backoff.Failures % 20 == 0)
                {
                    LogWriteFailed(_logger, ex, batch.Count, backoff.Failures + 1);
                }

                await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ApplyAsync(WindowBatch batch, CancellationToken cancellationToken)
    {
        string partition = TableKeys.Escape(batch.Account);
        BottomKReservoir? reservoir;
        lock (_gate)
        {
            _reservoirs.TryGetValue((batch.Account, batch.Window), out reservoir);
        }

        if (reservoir is null)
        {
            // First time this process sees the window: what do storage (other instances, earlier runs) already hold?
            string filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {batch.Window + "|"} and RowKey lt {batch.Window + "}"}");
            List<ulong> stored = [];
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                stored.Add(PromptSampleKeys.PriorityOf(row.RowKey));
            }

            reservoir = new BottomKReservoir(_options.PromptSamplesPerWindow, stored);
        }

        (IReadOnlyList<ulong> insert, IReadOnlyList<ulong> delete) = reservoir.Plan(batch.Priorities);
        DateTimeOffset windowStart = PromptSampleKeys.ParseWindow(batch.Window) ?? _keys.WindowStart(_time.GetUtcNow());
        List<TableTransactionAction> actions = [];
        foreach (ulong priority in insert)
        {
            TableEntity entity = new(partition, PromptSampleKeys.RowKey(batch.Window, priority))
            {
                ["Account"] = batch.Account,
                ["Window"] = windowStart,
                ["Prompt"] = batch.Prompt(priority),
            };
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
        }

        foreach (ulong priority in delete)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, PromptSampleKeys.RowKey(batch.Window, priority)), ETag.All));
        }

        foreach (TableTransactionAction[] chunk in actions.Chunk(100))
        {
            await SubmitAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            // Under the gate: the reducer asks the same reservoir what it admits.
            reservoir.Commit(insert, delete);
            _reservoirs[(batch.Account, batch.Window)] = reservoir;
        }

        s_stored.Add(insert.Count);
    }

    /// <summary>Submits one transaction; a delete of a row that is already gone (another instance deleted it) is no failure.</summary>
    private async Task SubmitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404 && !TableWrites.IsTableNotFound(ex))
        {
            // A transaction is all or nothing: apply its actions one by one, skipping the rows already deleted.
            foreach (TableTransactionAction action in actions)
            {
                try
                {
                    _ = action.ActionType == TableTransactionActionType.Delete
                        ? await _table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false)
                        : await _table.UpsertEntityAsync(action.Entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException single) when (single.Status == 404 && action.ActionType == TableTransactionActionType.Delete)
                {
                }
            }
        }
    }

    private void EvictEndedWindows()
    {
        lock (_gate)
        {
            if (_reservoirs.Count > MaxTrackedWindows)
            {
                _reservoirs.Clear();
                return;
            }

            // A window that ended more than a window ago takes no new prompts but late ones; those re-read it.
            string current = PromptSampleKeys.Window(_keys.WindowStart(_time.GetUtcNow() - _options.PromptSampleWindow));
            foreach ((string Account, string Window) key in _reservoirs.Keys.ToArray())
            {
                if (string.CompareOrdinal(key.Window, current) < 0)
                {
                    _reservoirs.Remove(key);
                }
            }
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "The prompt-sample queue is full ({Capacity} prompts waiting for storage); a prompt was not sampled ({Dropped} so far).")]
    private static partial void LogDropped(ILogger logger, int capacity, long dropped);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Writing {Prompts} sampled prompts failed (attempt {Attempt}); they stay queued and will be retried.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int prompts, int attempt);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Prompt-sample writes succeeded again after {Failures} failed attempts.")]
    private static partial void LogRecovered(ILogger logger, int failures);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Deleted {Rows} sampled prompts past the retention.")]
    private static partial void LogSwept(ILogger logger, int rows);

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "Deleting sampled prompts past the retention failed; reads ignore them and the next sweep tries again.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 25, Level = LogLevel.Warning, Message = "Shutting down with {Pending} prompts not yet sampled: storage stayed unreachable for the {Timeout} shutdown grace period.")]
    private static partial void LogLostAtShutdown(ILogger logger, long pending, TimeSpan timeout);

    [LoggerMessage(EventId = 26, Level = LogLevel.Error, Message = "The prompt-sample reducer stopped; the writer decides what is queued before each write.")]
    private static partial void LogReducerFailed(ILogger logger, Exception exception);

    /// <summary>The candidates of one (account, window) from one drain of the queue: at most K, the smallest priorities.</summary>
    private sealed class WindowBatch(string account, string window)
    {
        private readonly SortedDictionary<ulong, string> _candidates = [];

        public string Account { get; } = account;

        public string Window { get; } = window;

        public bool IsApplied { get; set; }

        public int Count => _candidates.Count;

        public IEnumerable<ulong> Priorities => _candidates.Keys;

        public string Prompt(ulong priority) => _candidates[priority];

        public void Add(ulong priority, string prompt, int capacity)
        {
            _candidates.TryAdd(priority, prompt);
            if (_candidates.Count > capacity)
            {
                _candidates.Remove(_candidates.Keys.Last());
            }
        }
    }
}
