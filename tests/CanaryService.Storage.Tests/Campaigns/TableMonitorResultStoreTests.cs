using CanaryService.Core.Campaigns;
using CanaryService.Storage.Campaigns;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Campaigns;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableMonitorResultStoreTests(AzuriteFixture azurite) : MonitorResultStoreContract
{
    protected override async Task<IMonitorResultStore> CreateAsync() => new TableMonitorResultStore(await StorageClients.NewTableAsync(azurite.ConnectionString, "campaigns"));

    [Fact]
    public async Task Reading_before_the_table_exists_is_no_results()
    {
        var store = new TableMonitorResultStore(new Azure.Data.Tables.TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("campaigns")));
        Assert.Null(await store.GetLatestAsync());
    }
}
