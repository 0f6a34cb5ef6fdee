using Azure.Data.Tables;
using CanaryService.Core.Issuance;
using CanaryService.Storage.Registry;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Registry;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableCanaryRegistryTests(AzuriteFixture azurite)
{
    private static CanaryRecord Record(string epoch, string topic, int candidates = 100, string commitment = "c0ffee") => new(
        epoch,
        topic,
        topic.Split('+'),
        [.. Enumerable.Range(0, candidates).Select(i => $"the copper-lantern rule number {i}")],
        commitment,
        new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Registered_canaries_round_trip_and_list_by_epoch()
    {
        var registry = new TableCanaryRegistry(await StorageClients.NewTableAsync(azurite.ConnectionString));
        CanaryRecord a = Record("2026-11", "tide+pool");
        CanaryRecord b = Record("2026-11", "sour/dough#bread?");
        CanaryRecord c = Record("2026-12", "tide+pool");
        foreach (CanaryRecord r in new[] { a, b, c })
        {
            await registry.RegisterAsync(r);
        }

        List<CanaryRecord> november = await registry.ListAsync("2026-11").ToListAsync();
        Assert.Equal(2, november.Count);
        CanaryRecord readBack = Assert.Single(november, r => r.Topic == b.Topic);
        Assert.Equal(b.Candidates, readBack.Candidates);
        Assert.Equal(b.TopicWords, readBack.TopicWords);
        Assert.Equal(b.Commitment, readBack.Commitment);
        Assert.Equal(b.CreatedAt, readBack.CreatedAt);
        Assert.Equal(3, (await registry.ListAsync().ToListAsync()).Count);
    }

    [Fact]
    public async Task Registering_again_keeps_the_first_row()
    {
        var registry = new TableCanaryRegistry(await StorageClients.NewTableAsync(azurite.ConnectionString));
        await registry.RegisterAsync(Record("2026-11", "tide+pool", commitment: "first"));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => registry.RegisterAsync(Record("2026-11", "tide+pool", commitment: $"other{i}"))));

        CanaryRecord only = Assert.Single(await registry.ListAsync("2026-11").ToListAsync());
        Assert.Equal("first", only.Commitment);
    }

    [Fact]
    public async Task Candidates_larger_than_one_property_are_split_and_joined()
    {
        var registry = new TableCanaryRegistry(await StorageClients.NewTableAsync(azurite.ConnectionString));
        CanaryRecord big = Record("2026-11", "long+list", candidates: 2000); // ~80K characters of JSON
        await registry.RegisterAsync(big);

        CanaryRecord readBack = Assert.Single(await registry.ListAsync("2026-11").ToListAsync());
        Assert.Equal(big.Candidates, readBack.Candidates);
    }

    [Fact]
    public async Task Registering_when_the_table_is_missing_creates_it()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("reg"));
        var registry = new TableCanaryRegistry(table);
        await registry.RegisterAsync(Record("2026-11", "tide+pool"));

        Assert.Single(await registry.ListAsync().ToListAsync());
    }
}
