using CanaryService.Core.Campaigns;
using CanaryService.Storage.Campaigns;

namespace CanaryService.Storage.Tests.Campaigns;

/// <summary>What every <see cref="IMonitorResultStore"/> does, run against the table and against the in-memory fake.</summary>
public abstract class MonitorResultStoreContract
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A new, empty store.</summary>
    protected abstract Task<IMonitorResultStore> CreateAsync();

    private static AccountCluster Cluster(int id, bool flagged, long requests = 900, params string[] accounts) =>
        new($"cluster-{id:D12}", accounts.Length > 0 ? accounts : [$"key-{id}-a", $"key-{id}-b"], flagged, [$"signal {id}"], requests);

    [Fact]
    public async Task The_store_keeps_the_latest_run_and_announces_a_cluster_only_the_first_time_it_is_flagged()
    {
        IMonitorResultStore store = await CreateAsync();
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
        Assert.Equal(Noon, latest.At);
        Assert.Equal(["key-a", "key-b"], latest.Accounts.Select(a => a.Account)); // the unremarkable account is not kept
        Assert.Equal(first.Accounts[0], latest.Accounts[0] with { Reasons = first.Accounts[0].Reasons });
        Assert.Equal(["requests 500 (population median 20, robust z 5.2)"], latest.Accounts[0].Reasons);
        AccountCluster read = Assert.Single(latest.Clusters);
        Assert.Equal(cluster.Accounts, read.Accounts);
        Assert.Equal(cluster.Signals, read.Signals);
        Assert.Equal((cluster.Cluster, true, 900L), (read.Cluster, read.Flagged, read.Requests));

        MonitorOutcome second = new(Noon.AddHours(6), [new AccountAssessment("key-a", true, 30, cluster.Cluster, ["x"], 510), new AccountAssessment("key-b", true, 30, cluster.Cluster, ["y"], 420)], [cluster with { Requests = 930 }]);
        Assert.Empty(await store.SaveAsync(second));
        latest = await store.GetLatestAsync();
        Assert.Equal(930, Assert.Single(latest!.Clusters).Requests);
        Assert.Equal(["x"], latest.Accounts.Single(a => a.Account == "key-a").Reasons);

        MonitorOutcome third = new(Noon.AddHours(12), [], []);
        Assert.Empty(await store.SaveAsync(third));
        latest = await store.GetLatestAsync();
        Assert.Equal(Noon.AddHours(12), latest!.At);
        Assert.Empty(latest.Accounts);
        Assert.Empty(latest.Clusters);
    }

    [Fact]
    public async Task A_cluster_is_announced_when_first_flagged_and_never_again_even_after_a_quiet_run()
    {
        IMonitorResultStore store = await CreateAsync();

        Assert.Empty(await store.SaveAsync(new MonitorOutcome(Noon, [], [Cluster(1, flagged: false)])));
        Assert.Equal([Cluster(1, true).Cluster], (await store.SaveAsync(new MonitorOutcome(Noon.AddHours(1), [], [Cluster(1, true), Cluster(2, false)]))).Select(c => c.Cluster));
        Assert.Empty(await store.SaveAsync(new MonitorOutcome(Noon.AddHours(2), [], [Cluster(1, false)])));
        Assert.Empty(await store.SaveAsync(new MonitorOutcome(Noon.AddHours(3), [], [])));
        IReadOnlyList<AccountCluster> again = await store.SaveAsync(new MonitorOutcome(Noon.AddHours(4), [], [Cluster(1, true), Cluster(2, true)]));

        Assert.Equal([Cluster(2, true).Cluster], again.Select(c => c.Cluster));
    }

    [Fact]
    public async Task The_latest_results_read_back_ordered_with_the_run_time_as_an_instant()
    {
        IMonitorResultStore store = await CreateAsync();
        DateTimeOffset at = new(2026, 11, 20, 14, 0, 0, TimeSpan.FromHours(2)); // noon UTC
        MonitorOutcome outcome = new(at, [
            new AccountAssessment("key-b", false, 2.5, null, ["tokens"], 40),
            new AccountAssessment("key-a", false, 2.5, null, ["tokens"], 40),
            new AccountAssessment("key-z", true, 9, null, ["requests"], 90),
            new AccountAssessment("key-c", false, 0, "cluster-000000000003", [], 5),
        ], [Cluster(3, false, 50), Cluster(4, false, 70), Cluster(5, true, 10), Cluster(6, false, 70)]);

        await store.SaveAsync(outcome);

        MonitorOutcome latest = (await store.GetLatestAsync())!;
        Assert.Equal(Noon, latest.At);
        Assert.Equal(["key-z", "key-a", "key-b", "key-c"], latest.Accounts.Select(a => a.Account));
        Assert.Equal([5, 4, 6, 3], latest.Clusters.Select(c => int.Parse(c.Cluster["cluster-".Length..], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_huge_cluster_keeps_a_bounded_account_list()
    {
        IMonitorResultStore store = await CreateAsync();
        string[] accounts = [.. Enumerable.Range(0, TableMonitorResultStore.MaxStoredClusterAccounts + 500).Select(i => $"k{i:D6}")];

        await store.SaveAsync(new MonitorOutcome(Noon, [], [Cluster(7, true, 1, accounts)]));

        AccountCluster read = Assert.Single((await store.GetLatestAsync())!.Clusters);
        Assert.Equal(accounts[..TableMonitorResultStore.MaxStoredClusterAccounts], read.Accounts);
    }
}
