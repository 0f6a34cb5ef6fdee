using Azure.Data.Tables;
using CanaryService.Core.Issuance;
using CanaryService.Storage.StoredCanaries;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.StoredCanaries;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableStoredCanaryIndexTests(AzuriteFixture azurite) : StoredCanaryIndexContract, IAsyncLifetime
{
    private readonly List<TableStoredCanaryIndex> _started = [];

    protected override async Task<IStoredCanaryIndex> CreateAsync(TimeProvider clock) =>
        await StartAsync(await StorageClients.NewTableAsync(azurite.ConnectionString, "sc"), clock);

    [Fact]
    public async Task Recording_when_the_table_is_missing_creates_it_and_a_lookup_before_finds_nothing()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("sc"));
        TableStoredCanaryIndex index = await StartAsync(table, TimeProvider.System);
        Assert.Null(await index.FindAsync("resp_1"));

        index.Record(new StoredCanary("resp_1", DateTimeOffset.UtcNow, "e", "a+b"));
        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("a+b", (await index.FindAsync("resp_1"))!.Topic);
    }

    [Fact]
    public async Task Expired_months_are_deleted_whole_and_the_months_the_retention_reaches_are_kept()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "sc");
        var clock = new ManualClock(new DateTimeOffset(2026, 10, 20, 0, 0, 0, TimeSpan.Zero));
        TableStoredCanaryIndex index = await StartAsync(table, clock);
        for (int i = 0; i < 130; i++)
        {
            // More than one transaction's worth in the month that will expire.
            index.Record(new StoredCanary($"resp_old_{i}", new DateTimeOffset(2026, 10, 15, 0, 0, 0, TimeSpan.Zero), "2026-10", "a+b"));
        }

        index.Record(new StoredCanary("resp_nov", new DateTimeOffset(2026, 11, 10, 0, 0, 0, TimeSpan.Zero), "2026-11", "a+b"));
        index.Record(new StoredCanary("resp_dec", Now, "2026-12", "a+b"));
        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

        // On 2026-12-07 the 31 days reach back into November: October goes, November and December stay. (Another
        // instance deletes: this one's clock stays in October, so its own sweep deletes nothing meanwhile.)
        using var deleter = new TableStoredCanaryIndex(table, StorageClients.FastOptions(), new ManualClock(Now));
        Assert.Equal(130, await deleter.DeleteExpiredAsync());
        Assert.Equal(["2026-11", "2026-12"], Partitions(table));
        Assert.NotNull(await deleter.FindAsync("resp_nov"));
        Assert.Equal(0, await deleter.DeleteExpiredAsync());

        // The writer sweeps on its own once a day: its next write after a day deletes what expired since.
        clock.Now = Now.AddDays(2);
        index.Record(new StoredCanary("resp_old_again", new DateTimeOffset(2026, 10, 16, 0, 0, 0, TimeSpan.Zero), "2026-10", "a+b"));
        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        for (int wait = 0; wait < 100 && Partitions(table).Contains("2026-10"); wait++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(["2026-11", "2026-12"], Partitions(table));
    }

    [Fact]
    public async Task While_storage_is_unreachable_recording_never_fails_what_was_recorded_is_found_and_other_lookups_fail_within_the_timeout()
    {
        // A port nothing listens on: every call fails to connect.
        var unreachable = new TableClient(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
            "unreachable",
            new TableClientOptions { Retry = { MaxRetries = 0 } });
        var options = new StorageOptions
        {
            StoredCanaryReadTimeout = TimeSpan.FromSeconds(2),
            RetryInitialDelay = TimeSpan.FromMilliseconds(50),
            RetryMaxDelay = TimeSpan.FromMilliseconds(200),
            IssuanceShutdownTimeout = TimeSpan.FromSeconds(1),
        };
        TableStoredCanaryIndex index = await StartAsync(unreachable, TimeProvider.System, options);

        Assert.True(index.Record(new StoredCanary("resp_1", DateTimeOffset.UtcNow, "e", "a+b")));
        Assert.Equal("a+b", (await index.FindAsync("resp_1"))!.Topic); // not written yet, found all the same
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => index.FindAsync("resp_2")).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsNotType<ArgumentException>(failure);
        Task flush = index.FlushAsync();
        Assert.NotSame(flush, await Task.WhenAny(flush, Task.Delay(300))); // nothing can have been written
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (TableStoredCanaryIndex index in _started)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await index.StopAsync(grace.Token);
            index.Dispose();
        }
    }

    private static string[] Partitions(TableClient table) =>
        [.. table.Query<TableEntity>().Select(e => e.PartitionKey).Distinct().Order(StringComparer.Ordinal)];

    private async Task<TableStoredCanaryIndex> StartAsync(TableClient table, TimeProvider clock, StorageOptions? options = null)
    {
        var index = new TableStoredCanaryIndex(table, options ?? StorageClients.FastOptions(), clock);
        await index.StartAsync(CancellationToken.None);
        _started.Add(index);
        return index;
    }
}
