using Azure.Storage.Blobs;
using CanaryService.Core.Lineage;
using CanaryService.Storage.Lineage;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Lineage;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class BlobLineageSampleStoreTests(AzuriteFixture azurite) : LineageSampleStoreContract
{
    // A container that does not exist yet: reading is empty, the first upload creates it.
    protected override Task<ILineageSampleStore> CreateAsync() => Task.FromResult<ILineageSampleStore>(
        new BlobLineageSampleStore(new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("lineage")), TimeProvider.System));

    [Fact]
    public async Task An_upload_is_one_blob_of_json_lines_and_altering_it_changes_the_version()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("lineage"));
        var store = new BlobLineageSampleStore(container, TimeProvider.System);
        string name = await store.AddAsync([new LineageSample("m", "p", "an answer")]);
        Assert.Equal("""{"model":"m","prompt":"p","output":"an answer"}""" + "\n", (await container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString());

        string version = await store.GetVersionAsync();
        await container.GetBlobClient(name).UploadAsync(BinaryData.FromString("""{"model":"m","prompt":"p","output":"altered"}""" + "\n"), overwrite: true);
        Assert.NotEqual(version, await store.GetVersionAsync());
        Assert.Equal([new LineageSample("m", "p", "altered")], await store.ReadAllAsync().ToListAsync());
    }
}
