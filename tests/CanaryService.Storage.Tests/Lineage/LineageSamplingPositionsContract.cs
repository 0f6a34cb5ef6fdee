using CanaryService.Core.Lineage;

namespace CanaryService.Storage.Tests.Lineage;

/// <summary>What every <see cref="ILineageSamplingPositions"/> does, run against the blobs and against the in-memory fake.</summary>
public abstract class LineageSamplingPositionsContract
{
    /// <summary>A new, empty store (its container may not exist yet).</summary>
    protected abstract Task<ILineageSamplingPositions> CreateAsync();

    [Fact]
    public async Task A_model_starts_at_zero_and_reads_back_its_last_position()
    {
        ILineageSamplingPositions positions = await CreateAsync();
        Assert.Equal(0, await positions.GetAsync("family-ref-7b"));

        await positions.SetAsync("family-ref-7b", 12);
        Assert.Equal(12, await positions.GetAsync("family-ref-7b"));
        await positions.SetAsync("family-ref-7b", 3);
        Assert.Equal(3, await positions.GetAsync("family-ref-7b"));
        await positions.SetAsync("family-ref-7b", long.MaxValue);
        Assert.Equal(long.MaxValue, await positions.GetAsync("family-ref-7b"));
    }

    [Fact]
    public async Task Every_model_name_is_its_own_position_slashes_escapes_and_all()
    {
        ILineageSamplingPositions positions = await CreateAsync();
        string[] models = ["org/model", "org%2Fmodel", "org", "../positions/org", "modèle ünïcode", "a b?c#d"];
        for (int i = 0; i < models.Length; i++)
        {
            await positions.SetAsync(models[i], i + 100);
        }

        for (int i = 0; i < models.Length; i++)
        {
            Assert.Equal(i + 100, await positions.GetAsync(models[i]));
        }

        Assert.Equal(0, await positions.GetAsync("ORG/MODEL"));
    }

    [Fact]
    public async Task An_empty_name_or_a_negative_position_is_refused_and_changes_nothing()
    {
        ILineageSamplingPositions positions = await CreateAsync();
        await positions.SetAsync("m", 5);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => positions.GetAsync(""));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => positions.SetAsync("", 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => positions.SetAsync("m", -1));
        Assert.Equal(5, await positions.GetAsync("m"));
    }
}
