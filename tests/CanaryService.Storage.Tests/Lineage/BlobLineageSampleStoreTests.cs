using Azure.Storage.Blobs;
using CanaryService.Core.Lineage;
using CanaryService.Storage.Lineage;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Lineage;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class BlobLineageSampleStoreTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Uploads_read_back_in_order_with_the_version_changing_on_each()
    {
        // A container that does not exist yet: reading is empty, the first upload creates it.
        var container = new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("lineage"));
        var store = new BlobLineageSampleStore(container, TimeProvider.System);
        Assert.Empty(await store.ReadAllAsync().ToListAsync());
        string empty = await store.GetVersionAsync();

        LineageSample[] first = [new("m", "p", "first answer"), new("n", "p", "line one\nline two \"quoted\" ünïcode")];
        string name = await store.AddAsync(first);
        Assert.StartsWith(BlobLineageSampleStore.Prefix, name, StringComparison.Ordinal);
        string afterFirst = await store.GetVersionAsync();
        Assert.NotEqual(empty, afterFirst);
        Assert.Equal(afterFirst, await store.GetVersionAsync());

        await store.AddAsync([new LineageSample("m", "p", "second answer")]);
        Assert.NotEqual(afterFirst, await store.GetVersionAsync());

        List<LineageSample> all = await store.ReadAllAsync().ToListAsync();
        Assert.Equal([.. first, new LineageSample("m", "p", "second answer")], all);

        // The corpus keeps the later answer of a model to a prompt.
        LineageCorpus corpus = LineageCorpus.Build(all, new LineageOptions { MinimumAnswers = 1 });
        Assert.Equal(1, corpus.SampleCount("m"));
        Assert.Contains("second answer", corpus.Features);
    }
}
