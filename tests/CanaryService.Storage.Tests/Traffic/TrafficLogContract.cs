using System.Security.Cryptography;
using CanaryService.Core.Campaigns;

namespace CanaryService.Storage.Tests.Traffic;

/// <summary>What every <see cref="ITrafficLog"/> does, run against the table and against the in-memory fake.</summary>
public abstract class TrafficLogContract
{
    /// <summary>The sketch key every log under test is created with.</summary>
    protected static readonly byte[] Key = SHA256.HashData("traffic-contract"u8);

    private static readonly DateTimeOffset Noon = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A new, empty log keyed by <see cref="Key"/>.</summary>
    protected abstract Task<ITrafficLog> CreateAsync();

    private static TrafficObservation Observation(string account, DateTimeOffset at, string prompt, int turns = 1, TrafficSurfaces surfaces = TrafficSurfaces.Streaming,
        string? agent = "sim/1.0", string? address = null, string? hint = null) =>
        new(account, at, prompt, turns, surfaces, 50, agent, address, hint);

    [Fact]
    public async Task Features_merge_over_the_days_queried_as_a_window_built_from_the_same_observations()
    {
        ITrafficLog log = await CreateAsync();
        TrafficObservation[] observations =
        [
            .. Enumerable.Range(0, 60).Select(i => Observation("key-a", Noon.AddHours(-3).AddMinutes(i), $"Solve step by step: how many zorblats fit in box {i}?",
                surfaces: i % 3 == 0 ? TrafficSurfaces.Streaming | TrafficSurfaces.ReasoningTraces : TrafficSurfaces.None, address: "203.0.113.9", hint: "sk-…aaaa")),
            .. Enumerable.Range(0, 30).Select(i => Observation("key-a", Noon.AddDays(1).AddMinutes(i), $"Translate sentence {i} into French, please.",
                turns: 3, surfaces: TrafficSurfaces.Batch, agent: "other-agent", address: "2001:db8::1", hint: "sk-…bbbb")),
            Observation("key-b", Noon, "hello there, can you help with my garden?", turns: 2, agent: null),
        ];
        foreach (TrafficObservation observation in observations)
        {
            Assert.True(log.Record(observation));
        }

        await log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        IReadOnlyList<AccountTrafficWindow> traffic = await log.QueryAsync(Noon.AddDays(-1));

        Assert.Equal(["key-a", "key-b"], traffic.Select(t => t.AccountId).Order(StringComparer.Ordinal));
        var shape = new PromptShape(Key);
        foreach (AccountTrafficWindow read in traffic)
        {
            var expected = new AccountTrafficWindow(read.AccountId);
            foreach (TrafficObservation observation in observations.Where(o => o.AccountId == read.AccountId))
            {
                expected.Add(observation, shape.Reduce(observation.Prompt));
            }

            Assert.Equal((expected.Requests, expected.OutputWords, expected.ReasoningPrompts, expected.SingleTurn), (read.Requests, read.OutputWords, read.ReasoningPrompts, read.SingleTurn));
            Assert.Equal(expected.SurfaceCounts, read.SurfaceCounts);
            Assert.Equal(expected.Hours, read.Hours);
            Assert.Equal(expected.DistinctPrompts.Values.Order(), read.DistinctPrompts.Values.Order());
            Assert.Equal(expected.Templates.Counts.OrderBy(c => c.Key), read.Templates.Counts.OrderBy(c => c.Key));
            Assert.Equal(expected.UserAgents.Counts.OrderBy(c => c.Key, StringComparer.Ordinal), read.UserAgents.Counts.OrderBy(c => c.Key, StringComparer.Ordinal));
            Assert.Equal(expected.AddressPrefixes.Counts.OrderBy(c => c.Key, StringComparer.Ordinal), read.AddressPrefixes.Counts.OrderBy(c => c.Key, StringComparer.Ordinal));
            Assert.Equal((expected.FirstAt, expected.LastAt, expected.KeyHint), (read.FirstAt, read.LastAt, read.KeyHint));
        }

        AccountTrafficWindow a = traffic.Single(t => t.AccountId == "key-a");
        Assert.Equal(90, a.Requests);
        Assert.Equal([20L, 30L, 20L, 0L], a.SurfaceCounts); // streaming, batch, reasoning traces, n > 1
        Assert.Equal(60, a.SingleTurn);
    }

    [Fact]
    public async Task Days_before_since_are_not_read_and_profiles_keep_first_and_last_seen_with_the_newest_hint()
    {
        ITrafficLog log = await CreateAsync();
        // Recorded in time order, each written before the next arrives.
        foreach (TrafficObservation observation in (TrafficObservation[])[
            Observation("key-p", Noon.AddDays(-10), "an old question", hint: "sk-…old1"),
            Observation("key-q", Noon.AddDays(-10), "only long ago", hint: null),
            Observation("key-p", Noon.AddDays(-2), "a newer question", hint: null),
            Observation("key-p", Noon, "the newest question", hint: "sk-…new2")])
        {
            Assert.True(log.Record(observation));
            await log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        IReadOnlyList<AccountTrafficWindow> traffic = await log.QueryAsync(Noon.AddDays(-2).AddHours(11)); // the whole of that day
        AccountTrafficWindow p = Assert.Single(traffic);
        Assert.Equal(("key-p", 2L), (p.AccountId, p.Requests));
        Assert.Equal(Noon.AddDays(-2), p.FirstAt);

        AccountProfile? profile = await log.GetProfileAsync("key-p");
        Assert.NotNull(profile);
        Assert.Equal(("sk-…new2", Noon.AddDays(-10), Noon), (profile.KeyHint, profile.FirstSeen, profile.LastSeen));
        AccountProfile? quiet = await log.GetProfileAsync("key-q"); // profiles outlive the query's span
        Assert.Equal(new AccountProfile("key-q", null, Noon.AddDays(-10), Noon.AddDays(-10)), quiet);
        Assert.Null(await log.GetProfileAsync("key-never"));
        Assert.Empty(await log.QueryAsync(Noon.AddDays(1)));
    }

    [Fact]
    public async Task An_observation_without_an_account_is_refused()
    {
        ITrafficLog log = await CreateAsync();

        Assert.False(log.Record(Observation("", Noon, "who asked this?")));

        await log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(await log.QueryAsync(Noon.AddDays(-1)));
    }
}
