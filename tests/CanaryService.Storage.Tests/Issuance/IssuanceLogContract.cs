using CanaryService.Core.Issuance;

namespace CanaryService.Storage.Tests.Issuance;

/// <summary>What every <see cref="IIssuanceLog"/> does, run against the table and against the in-memory fake.</summary>
public abstract class IssuanceLogContract
{
    protected static readonly DateTimeOffset Day1 = new(2026, 11, 21, 23, 59, 0, TimeSpan.Zero);

    /// <summary>A new, empty log, started.</summary>
    protected abstract Task<IIssuanceLog> StartAsync();

    /// <summary>Stops and releases a log <see cref="StartAsync"/> gave.</summary>
    protected abstract Task StopAsync(IIssuanceLog log);

    [Fact]
    public async Task Issuance_is_summed_per_account_day_and_canary()
    {
        IIssuanceLog log = await StartAsync();

        Assert.True(log.Record(new IssuanceEvent("acct/1", Day1, 1, "2026-11", "tide+pool")));
        Assert.True(log.Record(new IssuanceEvent("acct/1", Day1, 2, null, null)));
        Assert.True(log.Record(new IssuanceEvent("acct/1", Day1.AddMinutes(2), 1, "2026-11", "tide+pool"))); // next day
        Assert.True(log.Record(new IssuanceEvent("acct-2", Day1, 1, "2026-11", "sour|dough")));
        await log.FlushAsync();

        IReadOnlyList<AccountIssuance> day1 = await log.QueryAsync(DateOnly.FromDateTime(Day1.UtcDateTime), DateOnly.FromDateTime(Day1.UtcDateTime));
        Assert.Equal(["acct-2", "acct/1"], day1.Select(a => a.AccountId));
        AccountIssuance one = day1[1];
        Assert.Equal(2, one.MarkedResponses);
        Assert.Equal(1, one.CanaryTopics[("2026-11", "tide+pool")]);
        Assert.Equal(1, day1[0].CanaryTopics[("2026-11", "sour|dough")]);

        IReadOnlyList<AccountIssuance> both = await log.QueryAsync(new DateOnly(2026, 11, 21), new DateOnly(2026, 11, 22));
        Assert.Equal(3, both.Single(a => a.AccountId == "acct/1").MarkedResponses);
        Assert.Equal(2, both.Single(a => a.AccountId == "acct/1").CanaryTopics[("2026-11", "tide+pool")]);
        Assert.Empty(await log.QueryAsync(new DateOnly(2026, 11, 23), new DateOnly(2026, 11, 30)));
        await StopAsync(log);
    }

    [Fact]
    public async Task Awkward_account_ids_and_topics_get_valid_distinct_keys()
    {
        IIssuanceLog log = await StartAsync();
        string[] accounts = ["", "a/b", "a%2Fb", "tab\there#?", "line\nbreak\u0001", new string('x', 2000), new string('x', 1999) + "y", "ünï|cødé"];
        foreach (string account in accounts)
        {
            Assert.True(log.Record(new IssuanceEvent(account, Day1, 1, "2026|11", "a|b/c")));
            Assert.True(log.Record(new IssuanceEvent(account, Day1, 1, "2026", "11|a|b/c")));
        }

        await log.FlushAsync();
        IReadOnlyList<AccountIssuance> totals = await log.QueryAsync(new DateOnly(2026, 11, 21), new DateOnly(2026, 11, 21));
        Assert.Equal(accounts.Order(StringComparer.Ordinal), totals.Select(a => a.AccountId));
        Assert.All(totals, a => Assert.Equal(2, a.MarkedResponses));
        Assert.All(totals, a => Assert.Equal(2, a.CanaryTopics.Count));
        await StopAsync(log);
    }

    [Fact]
    public async Task A_query_of_no_days_or_days_before_any_event_is_empty()
    {
        IIssuanceLog log = await StartAsync();
        Assert.True(log.Record(new IssuanceEvent("acct", Day1, 1, null, null)));
        await log.FlushAsync();

        Assert.Empty(await log.QueryAsync(new DateOnly(2026, 11, 22), new DateOnly(2026, 11, 21)));
        Assert.Empty(await log.QueryAsync(new DateOnly(2026, 1, 1), new DateOnly(2026, 11, 20)));
        Assert.Single(await log.QueryAsync(new DateOnly(2026, 1, 1), new DateOnly(2026, 11, 21)));
        await StopAsync(log);
    }
}
