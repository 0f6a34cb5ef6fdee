using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.Storage.Traffic;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Traffic;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableTrafficLogTests(AzuriteFixture azurite) : TrafficLogContract, IAsyncLifetime
{
    private readonly List<TableTrafficLog> _started = [];
    private static readonly DateTimeOffset Noon = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_flush_that_holds_many_days_of_one_account_keeps_its_earliest_and_latest_request_in_the_profile()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "traffic");
        await using Running running = await Running.StartAsync(table, Options());
        int[] days = [5, 2, 7, 0, 3, 6, 1, 4]; // recorded out of order, written in one flush
        foreach (int day in days)
        {
            running.Log.Record(Observation("key-days", Noon.AddDays(day - 7).AddMinutes(day), "Explain step by step how tides work.", "sk-…dddd", null));
        }

        await running.Log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));

        AccountProfile? profile = await running.Log.GetProfileAsync("key-days");
        Assert.NotNull(profile);
        Assert.Equal(Noon.AddDays(-7), profile.FirstSeen);
        Assert.Equal(Noon.AddMinutes(7), profile.LastSeen);
    }

    [Fact]
    public async Task Two_instances_features_merge_on_read_with_the_profile_and_no_prompt_text_is_stored()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "traffic");
        StorageOptions options = Options();
        string[] prompts = [.. Enumerable.Range(0, 120).Select(i => $"Solve the following problem step by step. Problem: how many zorblats fit in box {i}? Final answer only.")];

        await using (Running first = await Running.StartAsync(table, options))
        {
            for (int i = 0; i < 80; i++)
            {
                Assert.True(first.Log.Record(Observation("key-a", Noon.AddHours(-2).AddMinutes(i), prompts[i], "sk-…aaaa", "203.0.113.9")));
            }

            first.Log.Record(Observation("key-b", Noon, "hello there, can you help with my garden?", null, null, turns: 3));
            await first.Log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        await using (Running second = await Running.StartAsync(table, options))
        {
            for (int i = 80; i < 120; i++)
            {
                second.Log.Record(Observation("key-a", Noon.AddDays(1).AddMinutes(i), prompts[i], "sk-…bbbb", "203.0.113.200, 10.0.0.1"));
            }

            await second.Log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
            IReadOnlyList<AccountTrafficWindow> traffic = await second.Log.QueryAsync(Noon.AddDays(-1));

            AccountTrafficWindow a = Assert.Single(traffic, t => t.AccountId == "key-a");
            Assert.Equal(120, a.Requests);
            Assert.Equal(120 * 50, a.OutputWords);
            Assert.Equal(120, a.ReasoningPrompts);
            Assert.Equal(120, a.SingleTurn);
            Assert.Equal(120, a.SurfaceCounts[0]);
            Assert.InRange(a.DistinctPrompts.Estimate, 90, 160);
            Assert.Equal(120, a.Templates.MaxCount); // one template: every prompt shares its prefix signature
            Assert.Equal(120, a.AddressPrefixes.Counts["203.0.113.0/24"]);
            Assert.Equal(120, a.UserAgents.Counts["sim/1.0"]);
            Assert.Equal(Noon.AddHours(-2), a.FirstAt);
            Assert.Equal(Noon.AddDays(1).AddMinutes(119), a.LastAt);

            AccountTrafficWindow b = Assert.Single(traffic, t => t.AccountId == "key-b");
            Assert.Equal(0, b.SingleTurn);
            Assert.Empty(b.AddressPrefixes.Counts);

            AccountProfile? profile = await second.Log.GetProfileAsync("key-a");
            Assert.NotNull(profile);
            Assert.Equal("sk-…bbbb", profile.KeyHint);
            Assert.Equal(Noon.AddHours(-2), profile.FirstSeen);
            Assert.Equal(Noon.AddDays(1).AddMinutes(119), profile.LastSeen);
            Assert.Null(await second.Log.GetProfileAsync("key-never"));

            // Only hashes, counts and hints are kept: no word of any prompt, and no full client address.
            await foreach (TableEntity row in table.QueryAsync<TableEntity>())
            {
                foreach (object? value in ((IDictionary<string, object>)row).Values)
                {
                    string text = value?.ToString() ?? "";
                    Assert.DoesNotContain("zorblats", text, StringComparison.OrdinalIgnoreCase);
                    Assert.DoesNotContain("garden", text, StringComparison.OrdinalIgnoreCase);
                    Assert.DoesNotContain("203.0.113.9", text, StringComparison.Ordinal);
                }
            }
        }
    }

    protected override async Task<ITrafficLog> CreateAsync()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "traffic");
        TableTrafficLog log = new(table, Options(), Key);
        await log.StartAsync(CancellationToken.None);
        _started.Add(log);
        return log;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (TableTrafficLog log in _started)
        {
            await log.StopAsync(CancellationToken.None);
            log.Dispose();
        }
    }

    private static TrafficObservation Observation(string account, DateTimeOffset at, string prompt, string? hint, string? address, int turns = 1) =>
        new(account, at, prompt, turns, TrafficSurfaces.Streaming, 50, "sim/1.0", address, hint);

    private static StorageOptions Options() => new()
    {
        TrafficFlushInterval = TimeSpan.FromMilliseconds(50),
        RetryInitialDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(500),
        IssuanceShutdownTimeout = TimeSpan.FromSeconds(10),
        TrafficRetention = TimeSpan.FromDays(3650),
    };

    private sealed class Running : IAsyncDisposable
    {
        private Running(TableTrafficLog log) => Log = log;

        public TableTrafficLog Log { get; }

        public static async Task<Running> StartAsync(TableClient table, StorageOptions options)
        {
            TableTrafficLog log = new(table, options, Key);
            await log.StartAsync(CancellationToken.None);
            return new Running(log);
        }

        public async ValueTask DisposeAsync()
        {
            await Log.StopAsync(CancellationToken.None);
            Log.Dispose();
        }
    }
}
