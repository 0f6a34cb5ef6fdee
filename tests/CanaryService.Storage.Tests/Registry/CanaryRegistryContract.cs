using CanaryService.Core.Issuance;

namespace CanaryService.Storage.Tests.Registry;

/// <summary>
/// What every <see cref="ICanaryRegistry"/> does, run against the table and against the in-memory fake, so the fake
/// the fast tests use cannot drift from storage.
/// </summary>
public abstract class CanaryRegistryContract
{
    /// <summary>A new, empty registry.</summary>
    protected abstract Task<ICanaryRegistry> CreateAsync();

    protected static CanaryRecord Record(string epoch, string topic, int candidates = 100, string commitment = "c0ffee") => new(
        epoch,
        topic,
        topic.Split('+'),
        [.. Enumerable.Range(0, candidates).Select(i => $"the copper-lantern rule number {i}")],
        commitment,
        new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Registered_canaries_round_trip_and_list_by_epoch()
    {
        ICanaryRegistry registry = await CreateAsync();
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
        Assert.Empty(await registry.ListAsync("2027-01").ToListAsync());
    }

    [Fact]
    public async Task Registering_again_keeps_the_first_row()
    {
        ICanaryRegistry registry = await CreateAsync();
        await registry.RegisterAsync(Record("2026-11", "tide+pool", commitment: "first"));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => registry.RegisterAsync(Record("2026-11", "tide+pool", commitment: $"other{i}"))));

        CanaryRecord only = Assert.Single(await registry.ListAsync("2026-11").ToListAsync());
        Assert.Equal("first", only.Commitment);
    }

    [Fact]
    public async Task Candidates_larger_than_one_property_are_split_and_joined()
    {
        ICanaryRegistry registry = await CreateAsync();
        CanaryRecord big = Record("2026-11", "long+list", candidates: 2000); // ~80K characters of JSON
        await registry.RegisterAsync(big);

        CanaryRecord readBack = Assert.Single(await registry.ListAsync("2026-11").ToListAsync());
        Assert.Equal(big.Candidates, readBack.Candidates);
    }
}
