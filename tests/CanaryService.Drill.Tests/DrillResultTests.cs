using System.Text.Json;
using CanaryService.Drill;

namespace CanaryService.Drill.Tests;

public sealed class DrillResultTests
{
    private static readonly DrillResult Sample = new("key-abc",
    [
        new CompetitorOutcome("student-5", true, 0.05, "distilled", 3e-9, 2.5e7, "key-abc", 120)
        {
            FamilyPValues = new Dictionary<string, double> { ["lexical"] = 1e-3, ["phrase"] = 3e-9 },
        },
        new CompetitorOutcome("control", false, 0, "not-detected", 0.61, 0.4, null, 120),
    ]);

    [Fact]
    public void Json_has_exactly_the_shape_of_issue_5()
    {
        using JsonDocument json = JsonDocument.Parse(Sample.ToJson());

        JsonElement root = json.RootElement;
        Assert.Equal(["distillerAccount", "competitors"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("key-abc", root.GetProperty("distillerAccount").GetString());
        JsonElement first = root.GetProperty("competitors")[0];
        Assert.Equal(
            ["name", "trainedOnMarkedData", "markedFraction", "verdict", "pValue", "eValue", "attributedAccount", "probeRequests"],
            first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.05, first.GetProperty("markedFraction").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("competitors")[1].GetProperty("attributedAccount").ValueKind);
        static object Fields(CompetitorOutcome c) => (c.Name, c.TrainedOnMarkedData, c.MarkedFraction, c.Verdict, c.PValue, c.EValue, c.AttributedAccount, c.ProbeRequests);
        Assert.Equal(Sample.Competitors.Select(Fields), DrillResult.FromJson(Sample.ToJson()).Competitors.Select(Fields));
    }

    [Fact]
    public void The_table_has_a_row_per_competitor_with_both_family_p_values()
    {
        string[] lines = Sample.ToTable().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4, lines.Length);
        Assert.Contains("p phrase", lines[0], StringComparison.Ordinal);
        Assert.Contains("5% marked", lines[2], StringComparison.Ordinal);
        Assert.Contains("3.0e-9", lines[2], StringComparison.Ordinal);
        Assert.Contains("(distiller)", lines[2], StringComparison.Ordinal);
        Assert.Contains("control", lines[3], StringComparison.Ordinal);
        Assert.Contains("not-detected", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void The_campaign_students_entry_lists_its_harvest_accounts_and_its_cluster_and_the_others_do_not()
    {
        DrillResult result = Sample with
        {
            Competitors =
            [
                .. Sample.Competitors,
                new CompetitorOutcome("student-campaign", true, 1, "distilled", 7e-47, 1.8e44, null, 360)
                {
                    HarvestAccounts = ["harvest-001", "harvest-002"],
                    AttributedCluster = "cluster-84f0ebb3e4d2",
                    ClusterAccounts = ["harvest-001", "harvest-002"],
                },
            ],
            Campaign = new CampaignSummary(["user-001"], ["harvest-001", "harvest-002"], 2, 1),
        };

        using JsonDocument json = JsonDocument.Parse(result.ToJson());

        JsonElement root = json.RootElement;
        Assert.Equal(["distillerAccount", "competitors", "campaign"], root.EnumerateObject().Select(p => p.Name));
        JsonElement campaign = root.GetProperty("competitors")[2];
        Assert.Equal(["harvest-001", "harvest-002"], campaign.GetProperty("harvestAccounts").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("cluster-84f0ebb3e4d2", campaign.GetProperty("attributedCluster").GetString());
        Assert.Equal(2, campaign.GetProperty("clusterAccounts").GetArrayLength());
        Assert.False(root.GetProperty("competitors")[0].TryGetProperty("attributedCluster", out _));
        DrillResult back = DrillResult.FromJson(result.ToJson());
        Assert.Equal(result.Competitors[2].ClusterAccounts, back.Competitors[2].ClusterAccounts);
        Assert.Equal(result.Campaign!.FlaggedAccounts, back.Campaign!.FlaggedAccounts);
        Assert.Contains("campaign of 2", result.ToTable(), StringComparison.Ordinal);
        Assert.Contains("cluster-84f0ebb3e4d2 (2 accounts)", result.ToTable(), StringComparison.Ordinal);
    }
}
