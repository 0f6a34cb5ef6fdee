using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.Storage.Campaigns;
using CanaryService.Storage.Traffic;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Traffic;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableTrafficLogTests(AzuriteFixture azurite)
{
    private static readonly byte[] Key = System.Security.Cryptography.SHA256.HashData("traffic-tests"u8);
    private static readonly DateTimeOffset Noon = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

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

    [Fact]
    public async Task Features_of_days_before_the_lookback_are_not_read()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "traffic");
        await using Running log = await Running.StartAsync(table, Options());
        log.Log.Record(Observation("key-old", Noon.AddDays(-10), "an old question", null, null));
        log.Log.Record(Observation("key-new", Noon, "a new question", null, null));
        await log.Log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));

        IReadOnlyList<AccountTrafficWindow> traffic = await log.Log.QueryAsync(Noon.AddDays(-7));

        Assert.Equal("key-new", Assert.Single(traffic).AccountId);
        Assert.NotNull(await log.Log.GetProfileAsync("key-old")); // profiles outlive the lookback
    }

    [Fact]
    public async Task The_result_store_keeps_the_latest_run_and_announces_a_cluster_only_the_first_time_it_is_flagged()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "campaigns");
        var store = new TableMonitorResultStore(table);
        Assert.Null(await store.GetLatestAsync());

        AccountCluster cluster = new("cluster-000000000001", ["key-a", "key-b"], true, ["2 of 2 accounts flagged"], 900);
        MonitorOutcome first = new(Noon, [
            new AccountAssessment("key-a", true, 31.5, cluster.Cluster, ["requests 500 (population median 20, robust z 5.2)"], 500),
            new AccountAssessment("key-b", true, 28.1, cluster.Cluster, ["requests 400 (population median 20, robust z 4.9)"], 400),
            new AccountAssessment("key-c", false, 0.4, null, [], 12),
        ], [cluster]);
        Assert.Equal(cluster.Cluster, Assert.Single(await store.SaveAsync(first)).Cluster);

        MonitorOutcome? latest = await store.GetLatestAsync();
        Assert.NotNull(latest);
        Assert.Equal(["key-a", "key-b"], latest.Accounts.Select(a => a.Account)); // the unremarkable account is not kept
        Assert.Equal(["requests 500 (population median 20, robust z 5.2)"], latest.Accounts[0].Reasons);
        Assert.Equal(cluster.Accounts, Assert.Single(latest.Clusters).Accounts);

        MonitorOutcome second = new(Noon.AddHours(6), [new AccountAssessment("key-a", true, 30, cluster.Cluster, ["x"], 510), new AccountAssessment("key-b", true, 30, cluster.Cluster, ["y"], 420)], [cluster with { Requests = 930 }]);
        Assert.Empty(await store.SaveAsync(second));
        latest = await store.GetLatestAsync();
        Assert.Equal(930, Assert.Single(latest!.Clusters).Requests);

        MonitorOutcome third = new(Noon.AddHours(12), [], []);
        Assert.Empty(await store.SaveAsync(third));
        latest = await store.GetLatestAsync();
        Assert.Empty(latest!.Accounts);
        Assert.Empty(latest.Clusters);
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
