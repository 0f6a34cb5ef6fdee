using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure;
using Azure.Storage.Blobs.Models;
using CanaryService.Core.Probing;
using CanaryService.Storage.Transcripts;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Transcripts;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class BlobTranscriptStoreTests(AzuriteFixture azurite) : TranscriptStoreContract
{
    private readonly Dictionary<ITranscriptStore, BlobContainerClient> _containers = [];

    protected override async Task<ITranscriptStore> CreateAsync()
    {
        BlobContainerClient container = await StorageClients.NewContainerAsync(azurite.ConnectionString);
        var store = new BlobTranscriptStore(container);
        _containers[store] = container;
        return store;
    }

    protected override Task AlterAsync(ITranscriptStore store, string name, byte[] content) =>
        _containers[store].GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), overwrite: true);

    [Fact]
    public async Task A_transcript_is_stored_as_json_lines_with_their_content_type()
    {
        BlobContainerClient container = await StorageClients.NewContainerAsync(azurite.ConnectionString);
        var store = new BlobTranscriptStore(container);

        string name = await store.PutAsync(Sample());

        BlobClient blob = container.GetBlobClient(name);
        byte[] bytes = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), name);
        string[] lines = System.Text.Encoding.UTF8.GetString(bytes).TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length); // header + one line per exchange
        Assert.Equal(TranscriptFormat.ContentType, (await blob.GetPropertiesAsync()).Value.ContentType);
    }

    [Fact]
    public async Task Putting_the_same_transcript_again_never_overwrites_the_blob()
    {
        BlobContainerClient container = await StorageClients.NewContainerAsync(azurite.ConnectionString);
        var store = new BlobTranscriptStore(container);
        string name = await store.PutAsync(Sample());
        ETag etag = (await container.GetBlobClient(name).GetPropertiesAsync()).Value.ETag;

        Assert.Equal(name, await store.PutAsync(Sample()));

        Assert.Equal(etag, (await container.GetBlobClient(name).GetPropertiesAsync()).Value.ETag);
    }

    [Fact]
    public async Task Putting_into_a_missing_container_creates_it()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("c"));
        var store = new BlobTranscriptStore(container);
        string name = await store.PutAsync(Sample());
        Assert.Equal(name, await store.ComputeHashAsync(name));
    }
}
