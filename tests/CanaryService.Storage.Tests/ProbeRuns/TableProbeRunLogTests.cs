using CanaryService.Core.Probing;
using CanaryService.Storage.ProbeRuns;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.ProbeRuns;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableProbeRunLogTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Runs_round_trip_newest_first_per_competitor()
    {
        var log = new TableProbeRunLog(await StorageClients.NewTableAsync(azurite.ConnectionString));
        var start = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
        ProbeRunRecord Run(string competitor, int hour, ProbeRunStatus status, params string[] errors) => new(
            competitor, $"run-{hour}", start.AddHours(hour), start.AddHours(hour).AddMinutes(5), status, 10, 10 - errors.Length, errors.Length, new string('b', 64), errors);

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
        Assert.Equal(start.AddHours(3), newest.StartedAt);
        Assert.Equal(start.AddHours(3).AddMinutes(5), newest.CompletedAt);
        Assert.Equal((10, 8, 2), (newest.Requests, newest.Answers, newest.Failures));
        Assert.Equal(new string('b', 64), newest.TranscriptName);
        Assert.Equal("rival/a", newest.Competitor);
        Assert.Single(await log.ListAsync("other").ToListAsync());
    }
}
