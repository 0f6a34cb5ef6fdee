using System.Text.Json;
using CanaryService.Host.Drill;

namespace CanaryService.Host.Tests.Drill;

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
}
