using Azure.Data.Tables;
using CanaryService.Core.Issuance;
using CanaryService.Storage.Issuance;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Issuance;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableIssuanceLogTests(AzuriteFixture azurite) : IssuanceLogContract
{
    protected override async Task<IIssuanceLog> StartAsync()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "iss");
        var log = new TableIssuanceLog(table, StorageClients.FastOptions());
        await log.StartAsync(CancellationToken.None);
        return log;
    }

    protected override async Task StopAsync(IIssuanceLog log)
    {
        var table = (TableIssuanceLog)log;
        await table.StopAsync(CancellationToken.None);
        table.Dispose();
    }

    [Fact]
    public async Task Concurrent_traffic_is_counted_exactly()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "iss");
        using var log = new TableIssuanceLog(table, StorageClients.FastOptions());
        await log.StartAsync(CancellationToken.None);

        const int Threads = 4, PerThread = 1_000, Accounts = 40;
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                int n = (t * PerThread) + i;
                Assert.True(log.Record(new IssuanceEvent($"a{n % Accounts}", Day1, 1, "2026-11", $"topic{n % 7}")));
            }
        })));
        await log.FlushAsync();

        IReadOnlyList<AccountIssuance> totals = await log.QueryAsync(new DateOnly(2026, 11, 21), new DateOnly(2026, 11, 21));
        Assert.Equal(Accounts, totals.Count);
        Assert.Equal(Threads * PerThread, totals.Sum(a => a.MarkedResponses));
        Assert.Equal(Threads * PerThread, totals.Sum(a => a.CanaryTopics.Values.Sum()));
        foreach (AccountIssuance account in totals)
        {
            int id = int.Parse(account.AccountId[1..], System.Globalization.CultureInfo.InvariantCulture);
            int expected = Enumerable.Range(0, Threads * PerThread).Count(n => n % Accounts == id);
            Assert.Equal(expected, account.MarkedResponses);
        }

        Assert.Equal(0, log.PendingCount);
        Assert.Equal(0, log.DroppedCount);
        await log.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task One_account_with_more_than_100_rows_is_written_in_several_transactions()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "iss");
        using var log = new TableIssuanceLog(table, StorageClients.FastOptions());
        await log.StartAsync(CancellationToken.None);
        for (int i = 0; i < 250; i++)
        {
            log.Record(new IssuanceEvent("big", Day1, 1, "2026-11", $"topic{i:D3}"));
        }

        await log.FlushAsync();
        AccountIssuance big = Assert.Single(await log.QueryAsync(new DateOnly(2026, 11, 21), new DateOnly(2026, 11, 21)));
        Assert.Equal(250, big.MarkedResponses);
        Assert.Equal(250, big.CanaryTopics.Count);
        await log.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Past_the_queue_bound_events_are_dropped_counted_and_the_rest_written()
    {
        // No writer running: the queue only fills.
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "iss");
        using var log = new TableIssuanceLog(table, StorageClients.FastOptions(capacity: 10));
        int accepted = Enumerable.Range(0, 25).Count(_ => log.Record(new IssuanceEvent("a", Day1, 1, null, null)));

        Assert.Equal(10, accepted);
        Assert.Equal(15, log.DroppedCount);

        await log.StartAsync(CancellationToken.None);
        await log.FlushAsync();
        Assert.Equal(10, Assert.Single(await log.QueryAsync(new DateOnly(2026, 11, 21), new DateOnly(2026, 11, 21))).MarkedResponses);
        await log.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stopping_the_host_writes_what_is_queued()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "iss");
        StorageOptions options = StorageClients.FastOptions();
        options.IssuanceFlushInterval = TimeSpan.FromHours(1); // only the shutdown flush can write these
        using var log = new TableIssuanceLog(table, options);
        await log.StartAsync(CancellationToken.None);
        for (int i = 0; i < 100; i++)
        {
            log.Record(new IssuanceEvent("a", Day1, 1, null, null));
        }

        await log.StopAsync(CancellationToken.None);

        var reader = new TableIssuanceLog(table, options);
        Assert.Equal(100, Assert.Single(await reader.QueryAsync(new DateOnly(2026, 11, 21), new DateOnly(2026, 11, 21))).MarkedResponses);
    }

}
