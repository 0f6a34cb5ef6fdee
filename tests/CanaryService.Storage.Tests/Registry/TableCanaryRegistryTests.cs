using Azure.Data.Tables;
using CanaryService.Core.Issuance;
using CanaryService.Storage.Registry;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Registry;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableCanaryRegistryTests(AzuriteFixture azurite) : CanaryRegistryContract
{
    protected override async Task<ICanaryRegistry> CreateAsync() => new TableCanaryRegistry(await StorageClients.NewTableAsync(azurite.ConnectionString));

    [Fact]
    public async Task Registering_when_the_table_is_missing_creates_it()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("reg"));
        var registry = new TableCanaryRegistry(table);
        await registry.RegisterAsync(Record("2026-11", "tide+pool"));

        Assert.Single(await registry.ListAsync().ToListAsync());
    }
}
