using CanaryService.Core.Issuance;

namespace CanaryService.Storage.Tests.StoredCanaries;

/// <summary>
/// What every <see cref="IStoredCanaryIndex"/> does, run against the table and against the in-memory fake, so the fake
/// the fast tests use cannot drift from storage.
/// </summary>
public abstract class StoredCanaryIndexContract
{
    protected static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A new, empty index whose clock reads <paramref name="clock"/>.</summary>
    protected abstract Task<IStoredCanaryIndex> CreateAsync(TimeProvider clock);

    [Fact]
    public async Task A_recorded_canary_is_found_by_its_response_id_and_no_other()
    {
        IStoredCanaryIndex index = await CreateAsync(new ManualClock(Now));
        var canary = new StoredCanary("resp_68b1/odd#id?", Now.AddMinutes(-3), "2026-12", "cafe+open+morning");
        Assert.True(index.Record(canary));
        Assert.True(index.Record(new StoredCanary("chatcmpl-2", Now, "2026-12", "tide+pool")));
        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(canary, await index.FindAsync("resp_68b1/odd#id?"));
        Assert.Equal("tide+pool", (await index.FindAsync("chatcmpl-2"))!.Topic);
        Assert.Null(await index.FindAsync("resp_68b1"));
        Assert.Null(await index.FindAsync("resp_68b1/odd#id?x"));
    }

    [Fact]
    public async Task A_response_id_recorded_again_keeps_its_last_entry()
    {
        IStoredCanaryIndex index = await CreateAsync(new ManualClock(Now));
        index.Record(new StoredCanary("resp_1", Now, "2026-12", "first+topic"));
        index.Record(new StoredCanary("resp_1", Now, "2026-12", "second+topic"));
        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("second+topic", (await index.FindAsync("resp_1"))!.Topic);
    }

    [Fact]
    public async Task An_entry_is_found_while_the_retention_reaches_its_month_and_not_after()
    {
        var clock = new ManualClock(Now);
        IStoredCanaryIndex index = await CreateAsync(clock);
        index.Record(new StoredCanary("resp_november", new DateTimeOffset(2026, 11, 30, 23, 0, 0, TimeSpan.Zero), "2026-11", "late+month"));
        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(await index.FindAsync("resp_november"));

        // 31 days of retention from 2027-01-02 reach back to 2026-12-02: November is no longer read.
        clock.Now = new DateTimeOffset(2027, 1, 2, 0, 0, 0, TimeSpan.Zero);
        Assert.Null(await index.FindAsync("resp_november"));
    }

    [Fact]
    public async Task An_answer_without_an_id_is_not_recorded()
    {
        IStoredCanaryIndex index = await CreateAsync(new ManualClock(Now));
        Assert.False(index.Record(new StoredCanary("", Now, "2026-12", "a+b")));
        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    protected sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
