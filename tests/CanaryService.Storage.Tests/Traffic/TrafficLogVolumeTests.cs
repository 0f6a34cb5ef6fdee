using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.Storage.Traffic;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Traffic;

/// <summary>The traffic writer at volume: many requests from several threads while it writes, none lost or counted twice.</summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TrafficLogVolumeTests(AzuriteFixture azurite)
{
    private static readonly byte[] Key = System.Security.Cryptography.SHA256.HashData("traffic-volume-tests"u8);
    private static readonly DateTimeOffset Noon = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Fifty_thousand_requests_recorded_from_four_threads_while_the_writer_writes_are_all_counted_in_storage()
    {
        const int Requests = 50_000;
        const int Accounts = 120;
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "trafficvolume");
        StorageOptions options = new()
        {
            // Writes every 20 ms, so they interleave with the reduction of what keeps arriving.
            TrafficFlushInterval = TimeSpan.FromMilliseconds(20),
            TrafficQueueCapacity = Requests, // so that no scheduling of the threads can fill it: any drop is a defect
            RetryInitialDelay = TimeSpan.FromMilliseconds(50),
            RetryMaxDelay = TimeSpan.FromMilliseconds(500),
            IssuanceShutdownTimeout = TimeSpan.FromSeconds(30),
            TrafficRetention = TimeSpan.FromDays(3650),
        };
        var log = new TableTrafficLog(table, options, Key);
        await log.StartAsync(CancellationToken.None);
        long[] expected = new long[Accounts];
        long[] expectedWords = new long[Accounts];
        try
        {
            await Parallel.ForAsync(0, 4, async (thread, ct) =>
            {
                for (int i = thread; i < Requests; i += 4)
                {
                    int account = i % Accounts;
                    DateTimeOffset at = Noon.AddDays(-(i % 2)).AddSeconds(i);
                    Assert.True(log.Record(new TrafficObservation($"acct-{account:D3}", at, $"Question {i % 5000}: how does part {i % 37} work?", 1 + (i % 3),
                        TrafficSurfaces.Streaming, i % 100, "sim/1.0", null, null)));
                    Interlocked.Increment(ref expected[account]);
                    Interlocked.Add(ref expectedWords[account], i % 100);
                    if (i % 5000 < 4)
                    {
                        await Task.Yield(); // let the writer in now and then, as request threads would
                    }
                }
            });

            await log.FlushAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(0, log.DroppedCount);

            IReadOnlyList<AccountTrafficWindow> windows = await log.QueryAsync(Noon.AddDays(-2));
            Assert.Equal(Accounts, windows.Count);
            foreach (AccountTrafficWindow window in windows)
            {
                int account = int.Parse(window.AccountId.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(expected[account], window.Requests);
                Assert.Equal(expectedWords[account], window.OutputWords);
                Assert.Equal(expected[account], window.SurfaceCounts[0]);
            }

            Assert.Equal(Requests, windows.Sum(w => w.Requests));
            // Account 1's requests are the odd ones, all on the day before: its profile says so.
            AccountProfile? profile = await log.GetProfileAsync("acct-001");
            Assert.NotNull(profile);
            Assert.InRange(profile.FirstSeen, Noon.AddDays(-1), Noon.AddDays(-1).AddSeconds(Requests));
        }
        finally
        {
            await log.StopAsync(CancellationToken.None);
            log.Dispose();
        }
    }
}
