using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CanaryService.Storage.Tables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CanaryService.Storage.Setup;

/// <summary>
/// Creates the tables and the transcript container in the background at start-up. When storage is unreachable
/// it keeps retrying with backoff instead of failing the host: the service starts and serves meanwhile (writes
/// wait in the issuance queue, and every writer also creates its table on demand).
/// </summary>
public sealed partial class StorageInitializer : BackgroundService
{
    private readonly TableServiceClient _tables;
    private readonly BlobServiceClient _blobs;
    private readonly StorageOptions _options;
    private readonly ILogger<StorageInitializer> _logger;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the initializer.</summary>
    public StorageInitializer(TableServiceClient tables, BlobServiceClient blobs, IOptions<StorageOptions> options, ILogger<StorageInitializer> logger)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _tables = tables;
        _blobs = blobs;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Completes once every table and the container exist.</summary>
    public Task Ready => _ready.Task;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var backoff = new Backoff(_options.RetryInitialDelay, _options.RetryMaxDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (string table in new[] { _options.RegistryTable, _options.IssuanceTable, _options.ProbeRunsTable, _options.EvidenceTable, _options.PromptSampleTable, _options.TrafficTable, _options.CampaignTable, _options.OperationsTable, _options.StoredCanaryTable })
                {
                    await _tables.CreateTableIfNotExistsAsync(table, stoppingToken).ConfigureAwait(false);
                }

                await _blobs.GetBlobContainerClient(_options.TranscriptContainer).CreateIfNotExistsAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
                LogReady(_logger, backoff.Failures);
                _ready.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRetrying(_logger, ex, backoff.Failures + 1);
                try
                {
                    await backoff.DelayAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Storage tables and containers are ready (after {Failures} failed attempts).")]
    private static partial void LogReady(ILogger logger, int failures);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Storage is not reachable yet to create tables and containers (attempt {Attempt}); the service keeps serving and retries.")]
    private static partial void LogRetrying(ILogger logger, Exception exception, int attempt);
}
