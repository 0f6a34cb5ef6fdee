using CanaryService.Drill;

namespace CanaryService.Drill.Tests;

/// <summary>
/// The drill end to end, as a newcomer runs it (Azurite, the service, the teacher, traffic through the proxy, the
/// students, the campaign scenario with its 30 harvest and 150 benign accounts and the extraction monitor, the probe
/// pipeline, the evidence API), with three accounts. The corpus keeps its default size: the 5 %
/// student learns 20 marked answers, and fewer would leave too few canary topics for its verdict. The probe budget
/// is above the default (900, not 400): the phrase canaries carry the 5 % student's attribution alone (the drill's
/// teacher writes lexicon words too close together for the echo window), and with three accounts 600 requests named
/// the distiller in about half of the runs, 900 in every run tried (docs/detection.md, "Drill: cost of a verdict");
/// the whole test took about two minutes on the 2-core build machine at a load average of 28 (the campaign's 1,700
/// requests about 35 s of it), hence a 6-minute limit.
/// </summary>
public sealed class DrillEndToEndTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-drill-test-").FullName;

    [Trait("Category", "Integration")]
    [Fact]
    public async Task A_small_drill_detects_every_marked_student_attributes_the_distiller_and_clears_the_control()
    {
        string json = Path.Combine(_folder, "result.json");
        string report = Path.Combine(_folder, "report.html");
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));

        int exitCode = await DrillCommand.RunAsync(
            ["--seed", "7", "--prompts", "400", "--probe-budget", "900", "--accounts", "3", "--json", json, "--report", report],
            output, output, timeout.Token);

        string log = output.ToString();
        Assert.True(exitCode == DrillCommand.Success, log);
        DrillResult result = DrillResult.FromJson(await File.ReadAllTextAsync(json));
        Assert.StartsWith("acct-", result.DistillerAccount, StringComparison.Ordinal);
        Assert.Equal(["student-100pct", "student-25pct", "student-5pct", "student-campaign", "control"], result.Competitors.Select(c => c.Name));
        Assert.All(result.Competitors.Where(c => c.TrainedOnMarkedData && c.HarvestAccounts is null), c =>
        {
            Assert.Equal("distilled", c.Verdict);
            Assert.True(c.PValue < 1e-6, $"{c.Name}: p = {c.PValue}");
            Assert.Equal(result.DistillerAccount, c.AttributedAccount);
            Assert.InRange(c.ProbeRequests, 1, 900);
            Assert.Null(c.AttributedCluster);
        });

        // The campaign's student: distilled, attributed to a cluster whose accounts include all 30 harvest accounts
        // and none of the benign ones; the monitor flagged no benign account.
        CompetitorOutcome campaign = result.Competitors.Single(c => c.HarvestAccounts is not null);
        Assert.Equal("distilled", campaign.Verdict);
        Assert.True(campaign.PValue < 1e-6, $"student-campaign: p = {campaign.PValue}");
        Assert.Equal(30, campaign.HarvestAccounts!.Count);
        Assert.StartsWith("cluster-", campaign.AttributedCluster, StringComparison.Ordinal);
        Assert.Subset(campaign.ClusterAccounts!.ToHashSet(), campaign.HarvestAccounts.ToHashSet());
        CampaignSummary summary = Assert.IsType<CampaignSummary>(result.Campaign);
        Assert.Equal(150, summary.BenignAccounts.Count);
        Assert.Empty(summary.BenignAccounts.Intersect(campaign.ClusterAccounts!));
        Assert.Empty(summary.BenignAccounts.Intersect(summary.FlaggedAccounts));
        CompetitorOutcome control = result.Competitors.Single(c => !c.TrainedOnMarkedData);
        Assert.Equal(("not-detected", null, null, 0.0), (control.Verdict, control.AttributedAccount, control.AttributedCluster, control.MarkedFraction));
        Assert.True(control.PValue > 0.01, $"control: p = {control.PValue}");

        // One HTML report per competitor, named after it; the table and the progress lines are printed.
        foreach (CompetitorOutcome c in result.Competitors)
        {
            string html = await File.ReadAllTextAsync(Path.Combine(_folder, $"report.{c.Name}.html"));
            Assert.Contains(c.Name, html, StringComparison.Ordinal);
        }

        Assert.Contains("Running the probe pipeline", log, StringComparison.Ordinal);
        Assert.Contains("attributed account", log, StringComparison.Ordinal);
        Assert.Contains("running the extraction monitor", log, StringComparison.Ordinal);
        Assert.Contains("Drill passed", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_option_prints_the_usage_and_exits_with_2()
    {
        using var output = new StringWriter();

        int exitCode = await DrillCommand.RunAsync(["--probe-budget", "lots"], output, output, CancellationToken.None);

        Assert.Equal(DrillCommand.BadUsage, exitCode);
        Assert.Contains("--probe-budget must be a whole number", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage: dotnet run --project tools/CanaryService.Drill", output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
