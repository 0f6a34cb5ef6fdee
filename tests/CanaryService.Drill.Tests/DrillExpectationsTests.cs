using CanaryService.Drill;

namespace CanaryService.Drill.Tests;

public sealed class DrillExpectationsTests
{
    private static readonly string[] Harvest = ["harvest-001", "harvest-002", "harvest-003"];

    private static DrillResult Result(CompetitorOutcome campaign, IReadOnlyList<string>? flagged = null) => new("acct-01",
    [
        new CompetitorOutcome("student-100pct", true, 1, "distilled", 1e-40, 1e40, "acct-01", 360),
        campaign,
        new CompetitorOutcome("control", false, 0, "not-detected", 0.7, 0.5, null, 360),
    ], new CampaignSummary(["user-001", "user-002"], flagged ?? Harvest, 2, 1));

    private static CompetitorOutcome Campaign(string? cluster, params string[] members) =>
        new("student-campaign", true, 1, "distilled", 1e-30, 1e30, null, 360) { HarvestAccounts = Harvest, AttributedCluster = cluster, ClusterAccounts = cluster is null ? null : members };

    [Fact]
    public void A_cluster_holding_every_harvest_account_and_no_benign_one_passes()
    {
        Assert.Empty(DrillExpectations.Shortfalls(Result(Campaign("cluster-a", [.. Harvest]))));
    }

    [Theory]
    [InlineData(null, new string[0], "attributed to no cluster")]
    [InlineData("cluster-a", new[] { "harvest-001", "harvest-002" }, "lacks 1 of the 3 harvest accounts")]
    [InlineData("cluster-a", new[] { "harvest-001", "harvest-002", "harvest-003", "user-002" }, "holds 1 benign accounts")]
    public void A_campaign_student_without_the_right_cluster_falls_short(string? cluster, string[] members, string expected)
    {
        Assert.Contains(DrillExpectations.Shortfalls(Result(Campaign(cluster, members))), s => s.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_flagged_benign_account_and_a_cluster_named_for_another_student_fall_short()
    {
        DrillResult result = Result(Campaign("cluster-a", [.. Harvest]), [.. Harvest, "user-002"]);
        result = result with { Competitors = [result.Competitors[0] with { AttributedCluster = "cluster-a" }, .. result.Competitors.Skip(1)] };

        IReadOnlyList<string> shortfalls = DrillExpectations.Shortfalls(result);

        Assert.Contains(shortfalls, s => s.Contains("flagged 1 benign accounts (user-002)", StringComparison.Ordinal));
        Assert.Contains(shortfalls, s => s.StartsWith("student-100pct never learnt the campaign's answers", StringComparison.Ordinal));
    }
}
