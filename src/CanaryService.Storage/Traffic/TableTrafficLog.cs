using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Ports;
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
/// <para><b>Off the request path.</b> <see cref="Record"/> puts the observation in a bounded queue and returns; the
/// background loop reduces each prompt to hashes (<see cref="PromptShape"/>), adds it to the in-memory window, and
/// every <see cref="StorageOptions.TrafficFlushInterval"/> replaces the rows of the windows that changed. A full queue
/// drops the observation (counted, logged); a storage fault leaves the windows dirty in memory until a write succeeds.</para>
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
    private readonly Dictionary<(string Account, string Day), WindowState> _windows = [];
    private readonly ConcurrentDictionary<string, byte> _knownProfiles = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushNow = new(0, 1);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private int _reducedNotWritten;
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
            SingleReader = true,
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

        if (_progress.TryEnqueue(_queue.Writer, observation))
        {
            return true;
        }

        s_dropped.Add(1);
        if (_progress.CountDropped())
        {
            LogDropped(_logger, _options.TrafficQueueCapacity, _progress.Dropped);
        }

        return false;
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
    }

    /// <summary>Stops the loop, then writes what is queued for up to <see cref="StorageOptions.IssuanceShutdownTimeout"/>.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _queue.Writer.TryComplete();
        using var grace = new CancellationTokenSource(_options.IssuanceShutdownTimeout);
        try
        {
            await WriteAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogLostAtShutdown(_logger, _progress.Pending, _options.IssuanceShutdownTimeout);
        }
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
            Reduce();
            var backoff = new Backoff(_options.RetryInitialDelay, _options.RetryMaxDelay);
            while (_windows.Values.Any(w => w.Dirty))
            {
                int failed = await WriteDirtyAsync(cancellationToken).ConfigureAwait(false);
                if (failed == 0)
                {
                    if (backoff.Failures > 0)
                    {
                        LogRecovered(_logger, backoff.Failures);
                    }

                    break;
                }

                if (backoff.Failures == 0 || backoff.Failures % 20 == 0)
                {
                    LogWriteFailed(_logger, failed, backoff.Failures + 1);
                }

                await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
                Reduce(); // what arrived meanwhile joins the same rows
            }

            _progress.MarkWritten(_reducedNotWritten);
            _reducedNotWritten = 0;
            Evict();
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Reduces everything queued into the in-memory windows (prompts become hashes here, off the request path).</summary>
    private void Reduce()
    {
        while (_queue.Reader.TryRead(out TrafficObservation? observation))
        {
            _reducedNotWritten++;
            (string, string) key = (observation.AccountId, Day(observation.At));
            if (!_windows.TryGetValue(key, out WindowState? state))
            {
                // A window evicted and begun again (late requests) gets a row of its own, so it never replaces the first.
                _windows[key] = state = new WindowState(new AccountTrafficWindow(observation.AccountId),
                    string.Create(CultureInfo.InvariantCulture, $"{Day(observation.At)}|{_instance}-{++_windowSequence:x}"));
            }

            state.Window.Add(observation, _shape.Reduce(observation.Prompt));
            state.Dirty = true;
        }
    }

    /// <summary>Replaces the rows of the changed windows; returns how many could not be written.</summary>
    private async Task<int> WriteDirtyAsync(CancellationToken cancellationToken)
    {
        WindowState[] dirty = [.. _windows.Values.Where(w => w.Dirty)];
        foreach (WindowState state in dirty)
        {
            state.Dirty = false; // set again below if the write fails
        }

        int failed = 0;
        await Parallel.ForEachAsync(
            dirty,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.IssuanceWriteConcurrency), CancellationToken = cancellationToken },
            async (state, ct) =>
            {
                try
                {
                    await _table.WithTableAsync(async token =>
                    {
                        string partition = TableKeys.Escape(state.Window.AccountId);
                        await _table.UpsertEntityAsync(TrafficWindowCodec.ToEntity(state.Window, partition, state.RowKey), TableUpdateMode.Replace, token).ConfigureAwait(false);
                        await WriteProfileAsync(state.Window, partition, token).ConfigureAwait(false);
                        return true;
                    }, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    state.Dirty = true;
                    Interlocked.Increment(ref failed);
                    LogWindowFailed(_logger, ex);
                }
            }).ConfigureAwait(false);
        return failed;
    }

    private async Task WriteProfileAsync(AccountTrafficWindow window, string partition, CancellationToken cancellationToken)
    {
        if (!_knownProfiles.ContainsKey(window.AccountId))
        {
            // The first write of this account in this process: create the profile with its first-seen time, unless another
            // process (or an earlier run) already did; then it keeps its earlier time.
            try
            {
                await _table.AddEntityAsync(new TableEntity(partition, ProfileRowKey)
                {
                    ["Account"] = window.AccountId,
                    ["FirstSeen"] = window.FirstAt,
                    ["LastSeen"] = window.LastAt,
                    ["KeyHint"] = window.KeyHint,
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
            }

            if (_knownProfiles.Count >= MaxKnownProfiles)
            {
                _knownProfiles.Clear();
            }

            _knownProfiles.TryAdd(window.AccountId, 0);
        }

        TableEntity update = new(partition, ProfileRowKey) { ["LastSeen"] = window.LastAt };
        if (window.KeyHint is not null)
        {
            update["KeyHint"] = window.KeyHint;
        }

        await _table.UpsertEntityAsync(update, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    private void Evict()
    {
        // A day that ended before yesterday takes only late requests; those start a fresh window with a row of its own.
        // Past the cap everything already written goes (it is in storage; memory only holds what is being added).
        string yesterday = Day(_time.GetUtcNow() - TimeSpan.FromDays(1));
        bool overCap = _windows.Count > MaxTrackedWindows;
        foreach (KeyValuePair<(string Account, string Day), WindowState> entry in _windows.ToArray())
        {
            if (!entry.Value.Dirty && (overCap || string.CompareOrdinal(entry.Key.Day, yesterday) < 0))
            {
                _windows.Remove(entry.Key);
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

    private sealed class WindowState(AccountTrafficWindow window, string rowKey)
    {
        public AccountTrafficWindow Window { get; } = window;

        public string RowKey { get; } = rowKey;

        public bool Dirty { get; set; }
    }
}
