using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.Storage.Tables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CanaryService.Storage.Traffic;

/// <summary>
/// Per-account traffic features in Azure Tables (table <c>AccountTraffic</c>): a row per account, UTC day and process
/// (PK account, RK <c>yyyy-MM-dd|{instance}-{n}</c>) holding that process's merged features of the day, and a
/// <c>profile</c> row per account (key hint, first and last seen).
/// </summary>
/// <remarks>
/// <para><b>Off the request path.</b> <see cref="Record"/> puts the observation in a bounded queue and returns. A
/// background reducer takes observations off the queue as they arrive, reduces each prompt to hashes
/// (<see cref="PromptShape"/>) and adds it to the account's in-memory window, so the queue holds only what arrived in
/// the last moments and an observation dies young (it is never promoted by the garbage collector). Separately, every
/// <see cref="StorageOptions.TrafficFlushInterval"/> the writer replaces the rows of the windows that changed: one
/// entity group transaction per window (its day row and its profile row share the account's partition), however
/// many requests the window took meanwhile. A full queue (the reducer cannot keep up) drops the observation (counted,
/// logged); a storage fault leaves the windows dirty in memory, still taking observations, until a write succeeds.</para>
/// <para><b>Why a row per process.</b> Each process owns its rows, so writes never race and are idempotent (the whole
/// window replaces the row); readers merge a day's rows, which the sketches allow.</para>
/// </remarks>
public sealed partial class TableTrafficLog : BackgroundService, ITrafficLog
{
    /// <summary>The row key of an account's profile row (sorts after every day row).</summary>
    public const string ProfileRowKey = "profile";

    private static readonly Meter s_meter = new(Issuance.TableIssuanceLog.MeterName);
    private static readonly Counter<long> s_dropped = s_meter.CreateCounter<long>("canary.traffic.dropped", "{request}", "Requests not counted in traffic features because the queue was full.");
    // The retention is in days and the sweep scans the table's keys: twice a day is enough.
    private static readonly TimeSpan SweepEvery = TimeSpan.FromHours(12);
    private const int MaxTrackedWindows = 200_000;
    private const int MaxKnownProfiles = 1_000_000;

    private readonly TableClient _table;
    private readonly StorageOptions _options;
    private readonly PromptShape _shape;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _instance = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    private readonly Channel<TrafficObservation> _queue;
    private readonly QueuedWriteProgress _progress = new();
    private readonly Lock _gate = new(); // the windows and the reduced count: the reducer adds, the writer snapshots
    private readonly Dictionary<(string Account, string Day), WindowState> _windows = [];
    private readonly ConcurrentDictionary<string, byte> _knownProfiles = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushNow = new(0, 1);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private long _reduced;
    private (long Number, string Day) _lastDay = (long.MinValue, "");
    private long _markedWritten;
    private long _windowSequence;
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <summary>Creates the log over <paramref name="table"/>; the writer runs once the service is started.</summary>
    /// <param name="table">The <c>AccountTraffic</c> table.</param>
    /// <param name="options">The storage settings (the <c>Traffic*</c> ones).</param>
    /// <param name="sketchKey">Keys the feature hashes (<c>CanaryKeyRing.TrafficSketchKey</c>).</param>
    /// <param name="timeProvider">The clock (days and retention).</param>
    /// <param name="logger">Where drops and write failures are logged.</param>
    public TableTrafficLog(TableClient table, StorageOptions options, byte[] sketchKey, TimeProvider? timeProvider = null, ILogger<TableTrafficLog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sketchKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TrafficQueueCapacity, 1, nameof(options));
        _table = table;
        _options = options;
        _shape = new PromptShape(sketchKey);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<TableTrafficLog>.Instance;
        _queue = Channel.CreateBounded<TrafficObservation>(new BoundedChannelOptions(options.TrafficQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: refuse (and count) rather than block
            SingleReader = false, // the reducer, and the writer draining the rest before a write (both under the gate)
        });
    }

    /// <summary>Observations dropped because the queue was full, since start.</summary>
    public long DroppedCount => _progress.Dropped;

    /// <inheritdoc />
    /// <remarks>Never blocks and never throws for a storage fault.</remarks>
    public bool Record(TrafficObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (string.IsNullOrEmpty(observation.AccountId))
        {
            return false;
        }

        return _progress.EnqueueOrDrop(_queue.Writer, observation, s_dropped, dropped => LogDropped(_logger, _options.TrafficQueueCapacity, dropped));
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) => _progress.FlushAsync(RequestWrite, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<AccountTrafficWindow>> QueryAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        string first = Day(since);
        string filter = TableClient.CreateQueryFilter($"RowKey ge {first} and RowKey lt {ProfileRowKey}");
        Dictionary<string, AccountTrafficWindow> merged = new(StringComparer.Ordinal);
        try
        {
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (TrafficWindowCodec.FromEntity(row) is not { } window)
                {
                    continue;
                }

                if (merged.TryGetValue(window.AccountId, out AccountTrafficWindow? known))
                {
                    known.Merge(window);
                }
                else
                {
                    merged[window.AccountId] = window;
                }
            }
        }
        catch (RequestFailedException ex) when (TableWrites.IsTableNotFound(ex))
        {
            return [];
        }

        return [.. merged.Values];
    }

    /// <inheritdoc />
    public async Task<AccountProfile?> GetProfileAsync(string accountId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        try
        {
            NullableResponse<TableEntity> row = await _table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(accountId), ProfileRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            return row.HasValue && row.Value is { } entity && entity.GetDateTimeOffset("FirstSeen") is { } first
                ? new AccountProfile(accountId, entity.GetString("KeyHint"), first, entity.GetDateTimeOffset("LastSeen") ?? first)
                : null;
        }
        catch (RequestFailedException ex) when (TableWrites.IsTableNotFound(ex))
        {
            return null;
        }
    }

    /// <summary>Deletes the day rows past <see cref="StorageOptions.TrafficRetention"/> (profiles stay); returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        string cutoff = Day(_time.GetUtcNow() - _options.TrafficRetention);
        string filter = TableClient.CreateQueryFilter($"RowKey lt {cutoff}");
        int deleted = 0;
        try
        {
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
                    deleted++;
                }
                catch (RequestFailedException gone) when (gone.Status == 404)
                {
                }
            }
        }
        catch (RequestFailedException ex) when (TableWrites.IsTableNotFound(ex))
        {
            return deleted;
        }

        return deleted;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Task reducing = Task.Run(() => ReduceLoopAsync(stoppingToken), CancellationToken.None);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _flushNow.WaitAsync(_options.TrafficFlushInterval, stoppingToken).ConfigureAwait(false);
                await WriteAsync(stoppingToken).ConfigureAwait(false);
                await SweepIfDueAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: StopAsync writes what is left.
        }

        await reducing.ConfigureAwait(false);
    }

    /// <summary>Reduces observations as they arrive, so the queue stays short whatever the flush interval.</summary>
    private Task ReduceLoopAsync(CancellationToken stoppingToken) =>
        QueueReducer.RunAsync(_queue.Reader, Reduce, ex => LogReducerFailed(_logger, ex), stoppingToken);

    /// <summary>Stops the loop, then writes what is queued for up to <see cref="StorageOptions.IssuanceShutdownTimeout"/>.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await _progress.DrainAsync(WriteAsync, _options.IssuanceShutdownTimeout, pending => LogLostAtShutdown(_logger, pending, _options.IssuanceShutdownTimeout)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _flushNow.Dispose();
        _writing.Dispose();
        base.Dispose();
    }

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

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

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        // The loop and the shutdown flush never write at once.
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var backoff = new Backoff(_options.RetryInitialDelay, _options.RetryMaxDelay);
            while (true)
            {
                // Each attempt starts from a fresh snapshot: what arrived meanwhile joins the same rows.
                (WindowWrite[] dirty, long reduced) = Snapshot();
                int failed = dirty.Length == 0 ? 0 : await WriteDirtyAsync(dirty, cancellationToken).ConfigureAwait(false);
                if (failed == 0)
                {
                    if (backoff.Failures > 0)
                    {
                        LogRecovered(_logger, backoff.Failures);
                    }

                    // Every observation reduced before the snapshot is now in a written row.
                    _progress.MarkWritten((int)(reduced - _markedWritten));
                    _markedWritten = reduced;
                    break;
                }

                if (backoff.Failures == 0 || backoff.Failures % 20 == 0)
                {
                    LogWriteFailed(_logger, failed, backoff.Failures + 1);
                }

                await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
            }

            Evict();
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>
    /// Reduces at most <paramref name="limit"/> queued observations into the in-memory windows (prompts become hashes
    /// here, off the request path). Reading and adding happen under the gate, so the reduced count is always in queue
    /// order and a snapshot never misses an observation already taken off the queue.
    /// </summary>
    private void Reduce(int limit)
    {
        lock (_gate)
        {
            for (int taken = 0; taken < limit && _queue.Reader.TryRead(out TrafficObservation? observation); taken++)
            {
                _reduced++;
                string day = DayOf(observation.At);
                (string, string) key = (observation.AccountId, day);
                if (!_windows.TryGetValue(key, out WindowState? state))
                {
                    // A window evicted and begun again (late requests) gets a row of its own, so it never replaces the first.
                    _windows[key] = state = new WindowState(new AccountTrafficWindow(observation.AccountId),
                        string.Create(CultureInfo.InvariantCulture, $"{day}|{_instance}-{++_windowSequence:x}"));
                }

                try
                {
                    state.Window.Add(observation, _shape.Reduce(observation.Prompt));
                    state.Version++;
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or OverflowException)
                {
                    // One observation the features cannot take (a defect, not input the proxy sends) must not stop the rest.
                    LogObservationSkipped(_logger, ex);
                }
            }
        }
    }

    /// <summary>The day's row-key prefix, formatted once per day rather than once per request (the caller holds the gate).</summary>
    private string DayOf(DateTimeOffset at)
    {
        long day = at.UtcTicks / TimeSpan.TicksPerDay;
        if (day != _lastDay.Number)
        {
            _lastDay = (day, Day(at));
        }

        return _lastDay.Day;
    }

    /// <summary>The rows of the windows changed since their last write, and how many observations they hold in all.</summary>
    private (WindowWrite[] Dirty, long Reduced) Snapshot()
    {
        Reduce(int.MaxValue);
        lock (_gate)
        {
            List<WindowWrite> dirty = [];
            foreach (WindowState state in _windows.Values)
            {
                if (state.Dirty)
                {
                    AccountTrafficWindow window = state.Window;
                    string partition = TableKeys.Escape(window.AccountId);
                    dirty.Add(new WindowWrite(state, state.Version, TrafficWindowCodec.ToEntity(window, partition, state.RowKey),
                        window.AccountId, partition, window.FirstAt, window.LastAt, window.KeyHint));
                }
            }

            return ([.. dirty], _reduced);
        }
    }

    /// <summary>Replaces the rows of the changed windows; returns how many could not be written.</summary>
    /// <remarks>
    /// Accounts are written in parallel, each account's windows one after another, oldest day first: the first write of
    /// an account creates its profile with that window's first request, and each later write moves its last-seen time
    /// on, so a flush that holds several days of one account leaves the earliest and the latest request, not whichever
    /// window a parallel write happened to finish first or last.
    /// </remarks>
    private async Task<int> WriteDirtyAsync(WindowWrite[] dirty, CancellationToken cancellationToken)
    {
        int failed = 0;
        await Parallel.ForEachAsync(
            dirty.GroupBy(static w => w.Account, StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.IssuanceWriteConcurrency), CancellationToken = cancellationToken },
            async (account, ct) =>
            {
                foreach (WindowWrite write in account.OrderBy(static w => w.FirstAt))
                {
                    try
                    {
                        await _table.WithTableAsync(async token =>
                        {
                            await WriteWindowAsync(write, token).ConfigureAwait(false);
                            return true;
                        }, ct).ConfigureAwait(false);
                        lock (_gate)
                        {
                            // Clean unless the reducer added to it after the snapshot.
                            write.State.WrittenVersion = Math.Max(write.State.WrittenVersion, write.Version);
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref failed);
                        LogWindowFailed(_logger, ex);
                    }
                }
            }).ConfigureAwait(false);
        return failed;
    }

    /// <summary>The window's day row and its account's last-seen time, in one transaction (both are in the account's partition).</summary>
    private async Task WriteWindowAsync(WindowWrite write, CancellationToken cancellationToken)
    {
        if (!_knownProfiles.ContainsKey(write.Account))
        {
            // The first write of this account in this process: create the profile with its first-seen time, unless another
            // process (or an earlier run) already did; then it keeps its earlier time.
            try
            {
                await _table.AddEntityAsync(new TableEntity(write.Partition, ProfileRowKey)
                {
                    ["Account"] = write.Account,
                    ["FirstSeen"] = write.FirstAt,
                    ["LastSeen"] = write.LastAt,
                    ["KeyHint"] = write.KeyHint,
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
            }

            if (_knownProfiles.Count >= MaxKnownProfiles)
            {
                _knownProfiles.Clear();
            }

            _knownProfiles.TryAdd(write.Account, 0);
        }

        TableEntity profile = new(write.Partition, ProfileRowKey) { ["LastSeen"] = write.LastAt };
        if (write.KeyHint is not null)
        {
            profile["KeyHint"] = write.KeyHint;
        }

        await _table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, write.Row),
            new TableTransactionAction(TableTransactionActionType.UpsertMerge, profile),
        ], cancellationToken).ConfigureAwait(false);
    }

    private void Evict()
    {
        // A day that ended before yesterday takes only late requests; those start a fresh window with a row of its own.
        // Past the cap everything already written goes (it is in storage; memory only holds what is being added).
        string yesterday = Day(_time.GetUtcNow() - TimeSpan.FromDays(1));
        lock (_gate)
        {
            bool overCap = _windows.Count > MaxTrackedWindows;
            foreach (KeyValuePair<(string Account, string Day), WindowState> entry in _windows.ToArray())
            {
                if (!entry.Value.Dirty && (overCap || string.CompareOrdinal(entry.Key.Day, yesterday) < 0))
                {
                    _windows.Remove(entry.Key);
                }
            }
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
            await DeleteExpiredAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogSweepFailed(_logger, ex);
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Error, Message = "The traffic-feature queue is full ({Capacity} requests waiting); a request was not counted ({Dropped} so far).")]
    private static partial void LogDropped(ILogger logger, int capacity, long dropped);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Writing the traffic features of {Windows} account windows failed (attempt {Attempt}); they stay in memory and will be retried.")]
    private static partial void LogWriteFailed(ILogger logger, int windows, int attempt);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Traffic-feature writes succeeded again after {Failures} failed attempts.")]
    private static partial void LogRecovered(ILogger logger, int failures);

    [LoggerMessage(EventId = 43, Level = LogLevel.Debug, Message = "Writing one account window's traffic features failed.")]
    private static partial void LogWindowFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Deleting traffic features past the retention failed; the next sweep tries again.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "Shutting down with {Pending} requests' traffic features not written: storage stayed unreachable for the {Timeout} grace period.")]
    private static partial void LogLostAtShutdown(ILogger logger, long pending, TimeSpan timeout);

    [LoggerMessage(EventId = 47, Level = LogLevel.Error, Message = "A request's traffic features could not be reduced; it is not counted.")]
    private static partial void LogObservationSkipped(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 46, Level = LogLevel.Error, Message = "The traffic-feature reducer stopped; the writer reduces what is queued before each write.")]
    private static partial void LogReducerFailed(ILogger logger, Exception exception);

    /// <summary>One account's window in memory: changed since its last write while <see cref="Version"/> is ahead of <see cref="WrittenVersion"/>.</summary>
    private sealed class WindowState(AccountTrafficWindow window, string rowKey)
    {
        public AccountTrafficWindow Window { get; } = window;

        public string RowKey { get; } = rowKey;

        /// <summary>Observations added, ever.</summary>
        public long Version { get; set; }

        /// <summary>The <see cref="Version"/> the stored row holds.</summary>
        public long WrittenVersion { get; set; }

        public bool Dirty => Version != WrittenVersion;
    }

    /// <summary>A window's rows as of a snapshot, written outside the gate while the reducer goes on adding.</summary>
    private sealed record WindowWrite(WindowState State, long Version, TableEntity Row, string Account, string Partition,
        DateTimeOffset FirstAt, DateTimeOffset LastAt, string? KeyHint);
}
