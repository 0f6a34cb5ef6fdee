using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using CanaryService.Core.Issuance;
using CanaryService.DevStorage;
using CanaryService.Storage.Issuance;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Issuance;

/// <summary>Storage faults during issuance traffic: nothing lost, nothing counted twice, nothing thrown.</summary>
public sealed class IssuanceFaultTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 11, 22);

    [Trait("Category", "Integration")]
    [Collection(AzuriteCollection.Name)]
    public sealed class LostResponses(AzuriteFixture azurite)
    {
        [Fact]
        public async Task A_batch_applied_but_whose_answer_was_lost_is_not_counted_twice()
        {
            // The network drops the answer of the first five transactions after storage applied them: the writer
            // cannot know they were applied, retries, and must recognise its own batch instead of adding again.
            var lose = new LoseAppliedBatchAnswers(5);
            var clientOptions = new TableClientOptions();
            clientOptions.AddPolicy(lose, HttpPipelinePosition.PerRetry);
            var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("lost"), clientOptions);
            await table.CreateIfNotExistsAsync();
            using var log = new TableIssuanceLog(table, StorageClients.FastOptions());
            await log.StartAsync(CancellationToken.None);

            for (int round = 0; round < 10; round++)
            {
                for (int i = 0; i < 30; i++)
                {
                    Assert.True(log.Record(new IssuanceEvent($"a{i % 3}", Day, 1, "2026-11", $"t{i % 2}")));
                }

                await log.FlushAsync();
            }

            Assert.Equal(5, lose.Lost);
            IReadOnlyList<AccountIssuance> totals = await log.QueryAsync(Today, Today);
            Assert.All(totals, a => Assert.Equal(100, a.MarkedResponses));
            Assert.All(totals, a => Assert.Equal([50L, 50L], a.CanaryTopics.Values.Order()));
            await log.StopAsync(CancellationToken.None);
            Assert.False(log.ExecuteTask!.IsFaulted);
        }
    }

    [Trait("Category", "Integration")]
    [Fact]
    public async Task Azurite_killed_during_traffic_and_started_again_loses_and_doubles_nothing()
    {
        string data = Path.Combine(Path.GetTempPath(), "azurite-kill-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using AzuriteEmulator emulator = await AzuriteEmulator.StartAsync(new AzuriteEmulatorOptions { DataDirectory = data });
            var clientOptions = new TableClientOptions();
            clientOptions.Retry.MaxRetries = 1;
            clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(50);
            clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
            var table = new TableClient(emulator.ConnectionString, "issuance", clientOptions);
            await table.CreateIfNotExistsAsync();
            StorageOptions options = StorageClients.FastOptions();
            options.IssuanceFlushInterval = TimeSpan.FromHours(1); // writes happen when the test flushes, so it knows what Azurite has saved
            using var log = new TableIssuanceLog(table, options);
            await log.StartAsync(CancellationToken.None);

            var accepted = new ConcurrentDictionary<(string Account, string Topic), int>();
            var thrown = new ConcurrentQueue<Exception>();
            int recorded = 0;
            using var stopTraffic = new CancellationTokenSource();
            Task[] traffic = [.. Enumerable.Range(0, 3).Select(t => Task.Run(async () =>
            {
                for (int i = 0; !stopTraffic.IsCancellationRequested; i++)
                {
                    try
                    {
                        string account = $"acct{(i + t) % 5}", topic = $"topic{i % 3}";
                        if (log.Record(new IssuanceEvent(account, Day, 1, "2026-11", topic)))
                        {
                            accepted.AddOrUpdate((account, topic), 1, (_, n) => n + 1);
                        }

                        Interlocked.Increment(ref recorded);
                    }
                    catch (Exception ex)
                    {
                        thrown.Enqueue(ex);
                    }

                    await Task.Delay(1);
                }
            }))];

            async Task TrafficAsync(int moreEvents)
            {
                int target = Volatile.Read(ref recorded) + moreEvents;
                while (Volatile.Read(ref recorded) < target)
                {
                    await Task.Delay(10);
                }
            }

            // Before the kill: written, and saved by Azurite (its table store writes to disk every few seconds; a kill
            // loses whatever it acknowledged but had not saved yet, which real storage never does).
            await TrafficAsync(300);
            await log.FlushAsync();
            DateTime flushed = DateTime.UtcNow;
            string tableFile = Path.Combine(data, "__azurite_db_table__.json");
            while (File.GetLastWriteTimeUtc(tableFile) <= flushed)
            {
                await Task.Delay(50);
            }

            await emulator.KillAsync();
            await TrafficAsync(300);
            Task flushDuringOutage = log.FlushAsync(); // the writer now seals a batch and keeps retrying it
            await TrafficAsync(300);
            Assert.False(flushDuringOutage.IsCompleted);
            Assert.True(log.PendingCount >= 600);

            await emulator.RestartAsync();
            await TrafficAsync(300);
            await stopTraffic.CancelAsync();
            await Task.WhenAll(traffic);
            await flushDuringOutage.WaitAsync(TimeSpan.FromSeconds(60));
            await log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Empty(thrown);
            Assert.Equal(0, log.DroppedCount);
            Assert.Equal(0, log.PendingCount);
            IReadOnlyList<AccountIssuance> totals = await log.QueryAsync(Today, Today);
            Assert.Equal(5, totals.Count);
            foreach (AccountIssuance account in totals)
            {
                var expectedTopics = accepted.Where(a => a.Key.Account == account.AccountId).ToDictionary(a => ("2026-11", a.Key.Topic), a => (long)a.Value);
                Assert.Equal(expectedTopics.Values.Sum(), account.MarkedResponses);
                Assert.Equal(expectedTopics.OrderBy(t => t.Key), account.CanaryTopics.OrderBy(t => t.Key));
            }

            Assert.Equal(Volatile.Read(ref recorded), totals.Sum(a => a.MarkedResponses));
            await log.StopAsync(CancellationToken.None);
            Assert.False(log.ExecuteTask!.IsFaulted);
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder.
            }
        }
    }

    /// <summary>Lets a transaction reach storage, then loses its answer, as a connection reset would.</summary>
    private sealed class LoseAppliedBatchAnswers(int count) : HttpPipelinePolicy
    {
        private int _remaining = count;
        private int _lost;

        public int Lost => Volatile.Read(ref _lost);

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal) && message.Response.Status == 202 && Interlocked.Decrement(ref _remaining) >= 0)
            {
                Interlocked.Increment(ref _lost);
                throw new IOException("The connection was reset after the transaction was applied.");
            }
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The storage clients here are used asynchronously.");
    }
}
