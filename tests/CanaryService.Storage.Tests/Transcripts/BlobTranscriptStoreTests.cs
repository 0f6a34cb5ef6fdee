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
public sealed class BlobTranscriptStoreTests(AzuriteFixture azurite)
{
    internal static Transcript Sample(string competitor = "rival", string run = "run-1") => new(
        competitor,
        run,
        new DateTimeOffset(2026, 11, 22, 9, 30, 0, TimeSpan.FromHours(1)),
        [
            new ProbeExchange("topic", "2026-11", "tide+pool", "Tell me about tide pools.", "Tide pools are…\nthe copper-lantern rule.", null, new DateTimeOffset(2026, 11, 22, 8, 31, 0, TimeSpan.Zero)),
            new ProbeExchange("open", null, null, "Write about rivers \"quoted\" ünïcode", null, "HTTP 429", new DateTimeOffset(2026, 11, 22, 8, 32, 0, 123, TimeSpan.Zero)),
        ]);

    [Fact]
    public async Task A_transcript_round_trips_as_json_lines_named_by_its_hash()
    {
        BlobContainerClient container = await StorageClients.NewContainerAsync(azurite.ConnectionString);
        var store = new BlobTranscriptStore(container);
        Transcript transcript = Sample();

        string name = await store.PutAsync(transcript);

        BlobClient blob = container.GetBlobClient(name);
        byte[] bytes = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), name);
        string[] lines = System.Text.Encoding.UTF8.GetString(bytes).TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length); // header + one line per exchange
        Assert.Equal(TranscriptFormat.ContentType, (await blob.GetPropertiesAsync()).Value.ContentType);

        Transcript back = await store.GetAsync(name);
        Assert.Equal(transcript.Competitor, back.Competitor);
        Assert.Equal(transcript.RunId, back.RunId);
        Assert.Equal(transcript.StartedAt, back.StartedAt);
        Assert.Equal(transcript.Exchanges, back.Exchanges);
        Assert.Equal(name, await store.ComputeHashAsync(name));
    }

    [Fact]
    public async Task Putting_the_same_transcript_again_is_idempotent_and_never_overwrites()
    {
        BlobContainerClient container = await StorageClients.NewContainerAsync(azurite.ConnectionString);
        var store = new BlobTranscriptStore(container);
        string name = await store.PutAsync(Sample());
        ETag etag = (await container.GetBlobClient(name).GetPropertiesAsync()).Value.ETag;

        Assert.Equal(name, await store.PutAsync(Sample()));

        Assert.Equal(etag, (await container.GetBlobClient(name).GetPropertiesAsync()).Value.ETag);
        Assert.NotEqual(name, await store.PutAsync(Sample(run: "run-2")));
    }

    [Fact]
    public async Task An_overwritten_blob_is_detected_and_a_missing_one_is_reported()
    {
        BlobContainerClient container = await StorageClients.NewContainerAsync(azurite.ConnectionString);
        var store = new BlobTranscriptStore(container);
        string name = await store.PutAsync(Sample());
        await container.GetBlobClient(name).UploadAsync(BinaryData.FromString("{\"transcript\":1}\n"), overwrite: true);

        Assert.NotEqual(name, await store.ComputeHashAsync(name));
        await Assert.ThrowsAsync<InvalidDataException>(() => store.GetAsync(name));
        string absent = new('a', 64);
        Assert.Null(await store.ComputeHashAsync(absent));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.GetAsync(absent));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.GetAsync("../escape"));
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
