using Azure.Data.Tables;
using CanaryService.Core.Operations;
using CanaryService.Storage.Operations;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Operations;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableOperationStoreTests(AzuriteFixture azurite) : OperationStoreContract
{
    protected override async Task<IOperationStore> CreateAsync() => new TableOperationStore(await StorageClients.NewTableAsync(azurite.ConnectionString));

    [Fact]
    public async Task A_missing_table_reads_as_no_record_and_the_first_write_creates_it()
    {
        string id = Guid.NewGuid().ToString("N");
        var absent = new TableOperationStore(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("none")));
        Assert.Null(await absent.GetAsync(id));

        // The first write creates the table (storage was down when the service started).
        await absent.SaveAsync(new OperationRecord(id, "monitor.run", new Dictionary<string, string>(), OperationStatus.Queued, Created, null, null, null, null));
        Assert.Equal(OperationStatus.Queued, (await absent.GetAsync(id))?.Status);
    }
}
