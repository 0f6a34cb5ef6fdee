using CanaryService.Core.Lineage;
using CanaryService.Storage.Lineage;

namespace CanaryService.Storage.Tests.Lineage;

/// <summary>What every <see cref="ILineageSampleStore"/> does, run against the blobs and against the in-memory fake.</summary>
public abstract class LineageSampleStoreContract
{
    /// <summary>A new, empty store (its container may not exist yet).</summary>
    protected abstract Task<ILineageSampleStore> CreateAsync();

    [Fact]
    public async Task Uploads_read_back_as_units_oldest_first_with_the_version_changing_on_each_and_only_then()
    {
        ILineageSampleStore store = await CreateAsync();
        Assert.Empty(await store.ReadAllAsync().ToListAsync());
        string empty = await store.GetVersionAsync();
        Assert.Equal(empty, await store.GetVersionAsync());

        LineageSample[] first = [new("m", "p", "first answer"), new("n", "p", "line one\nline two \"quoted\" ünïcode")];
        string firstName = await store.AddAsync(first);
        Assert.StartsWith(BlobLineageSampleStore.Prefix, firstName, StringComparison.Ordinal);
        string afterFirst = await store.GetVersionAsync();
        Assert.NotEqual(empty, afterFirst);
        Assert.Equal(afterFirst, await store.GetVersionAsync());
        Assert.Equal(first, await store.ReadAllAsync().ToListAsync());

        LineageSample[] second = [new("m", "p", "second answer"), new("m", "q", "")];
        string secondName = await store.AddAsync(second);
        Assert.NotEqual(firstName, secondName);
        string afterSecond = await store.GetVersionAsync();
        Assert.NotEqual(afterFirst, afterSecond);
        Assert.Equal([.. first, .. second], await store.ReadAllAsync().ToListAsync());

        // An empty upload is still an upload: a new name, a new version, no samples.
        string emptyName = await store.AddAsync([]);
        Assert.NotEqual(secondName, emptyName);
        Assert.NotEqual(afterSecond, await store.GetVersionAsync());
        Assert.Equal([.. first, .. second], await store.ReadAllAsync().ToListAsync());
    }

    [Fact]
    public async Task An_upload_is_its_samples_when_added_whatever_the_caller_does_to_its_list_later()
    {
        ILineageSampleStore store = await CreateAsync();
        List<LineageSample> samples = [new("m", "p", "kept")];
        await store.AddAsync(samples);
        samples[0] = new LineageSample("m", "p", "changed afterwards");
        samples.Add(new LineageSample("x", "p", "added afterwards"));

        Assert.Equal([new LineageSample("m", "p", "kept")], await store.ReadAllAsync().ToListAsync());
    }

    [Fact]
    public async Task A_null_upload_is_refused_and_stores_nothing()
    {
        ILineageSampleStore store = await CreateAsync();
        string version = await store.GetVersionAsync();
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.AddAsync(null!));
        Assert.Equal(version, await store.GetVersionAsync());
        Assert.Empty(await store.ReadAllAsync().ToListAsync());
    }
}
