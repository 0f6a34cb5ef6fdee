using CanaryService.Core.Probing;
using CanaryService.Storage.ProbeRuns;

namespace CanaryService.Storage.Tests.ProbeRuns;

/// <summary>What every <see cref="IProbeRunLog"/> does, run against the table and against the in-memory fake.</summary>
public abstract class ProbeRunLogContract
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A new, empty log.</summary>
    protected abstract Task<IProbeRunLog> CreateAsync();

    private static ProbeRunRecord Run(string competitor, int hour, ProbeRunStatus status, params string[] errors) => new(
        competitor, $"run-{hour}", Start.AddHours(hour), Start.AddHours(hour).AddMinutes(5), status, 10, 10 - errors.Length, errors.Length, new string('b', 64), errors);

    [Fact]
    public async Task Runs_round_trip_newest_first_per_competitor()
    {
        IProbeRunLog log = await CreateAsync();
        await log.AddAsync(Run("rival/a", 1, ProbeRunStatus.Completed));
        await log.AddAsync(Run("rival/a", 3, ProbeRunStatus.Partial, "timeout", "HTTP 500"));
        await log.AddAsync(Run("rival/a", 2, ProbeRunStatus.Failed, "x"));
        await log.AddAsync(Run("other", 4, ProbeRunStatus.Completed));
        await log.AddAsync(Run("rival/a", 2, ProbeRunStatus.Failed, "x")); // recorded twice: still one row

        List<ProbeRunRecord> runs = await log.ListAsync("rival/a").ToListAsync();
        Assert.Equal(["run-3", "run-2", "run-1"], runs.Select(r => r.RunId));
        ProbeRunRecord newest = runs[0];
        Assert.Equal(ProbeRunStatus.Partial, newest.Status);
        Assert.Equal(["timeout", "HTTP 500"], newest.Errors);
        Assert.Equal(Start.AddHours(3), newest.StartedAt);
        Assert.Equal(Start.AddHours(3).AddMinutes(5), newest.CompletedAt);
        Assert.Equal((10, 8, 2), (newest.Requests, newest.Answers, newest.Failures));
        Assert.Equal(new string('b', 64), newest.TranscriptName);
        Assert.Equal("rival/a", newest.Competitor);
        Assert.Single(await log.ListAsync("other").ToListAsync());
        Assert.Empty(await log.ListAsync("nobody").ToListAsync());
    }

    [Fact]
    public async Task A_run_with_many_long_errors_keeps_a_bounded_number_each_cut()
    {
        IProbeRunLog log = await CreateAsync();
        string[] errors = [.. Enumerable.Range(0, TableProbeRunLog.MaxErrors + 20).Select(i => i + new string('e', TableProbeRunLog.MaxErrorLength * 2))];
        await log.AddAsync(Run("rival", 1, ProbeRunStatus.Failed, errors));

        ProbeRunRecord read = Assert.Single(await log.ListAsync("rival").ToListAsync());
        Assert.Equal(TableProbeRunLog.MaxErrors, read.Errors.Count);
        Assert.All(read.Errors, e => Assert.Equal(TableProbeRunLog.MaxErrorLength, e.Length));
        Assert.Equal(errors[0][..TableProbeRunLog.MaxErrorLength], read.Errors[0]);
        Assert.Equal(errors.Length, read.Failures);
    }
}
