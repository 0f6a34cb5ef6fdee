using Azure.Storage.Blobs;
using CanaryService.Core.Lineage;
using CanaryService.Storage.Lineage;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Lineage;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class BlobLineageSamplingPositionsTests(AzuriteFixture azurite) : LineageSamplingPositionsContract
{
    // A container that does not exist yet: a model reads as 0, the first write creates it.
    protected override Task<ILineageSamplingPositions> CreateAsync() => Task.FromResult<ILineageSamplingPositions>(
        new BlobLineageSamplingPositions(new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("lineage"))));

    [Fact]
    public async Task Positions_live_outside_the_samples_folder_so_the_analysis_never_reads_them()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("lineage"));
        var positions = new BlobLineageSamplingPositions(container);
        var samples = new BlobLineageSampleStore(container, TimeProvider.System);
        string version = await samples.GetVersionAsync();

        await positions.SetAsync("org/model", 7);
        Assert.Equal(version, await samples.GetVersionAsync());
        Assert.Empty(await samples.ReadAllAsync().ToListAsync());
        Assert.Equal(["positions/org%2Fmodel"], await container.GetBlobsAsync().Select(b => b.Name).ToListAsync());
    }

    [Fact]
    public async Task A_position_that_is_not_a_number_is_an_error_not_a_restart_from_zero()
    {
        var container = await StorageClients.NewContainerAsync(azurite.ConnectionString, "lineage");
        await container.GetBlobClient("positions/m").UploadAsync(BinaryData.FromString("twelve"));
        await Assert.ThrowsAsync<InvalidDataException>(() => new BlobLineageSamplingPositions(container).GetAsync("m"));
    }
}
