using System.Globalization;

namespace CanaryService.Drill;

/// <summary>
/// What the drill must show: every student of the distiller "distilled" with p &lt; 1e-6 and the distiller
/// attributed; the campaign's student "distilled" with p &lt; 1e-6 and attributed to a cluster whose accounts include
/// every harvest account and no benign one; no benign account flagged by the extraction monitor; the control
/// "not-detected" with p &gt; 0.01; and no cluster named for anyone but the campaign's student.
/// </summary>
internal static class DrillExpectations
{
    public const double DistilledPValue = 1e-6;

    public const double ControlPValue = 0.01;

    /// <summary>Each way the result falls short, in words; empty when the drill proved what it must.</summary>
    public static IReadOnlyList<string> Shortfalls(DrillResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var shortfalls = new List<string>();
        HashSet<string> benign = new(result.Campaign?.BenignAccounts ?? [], StringComparer.Ordinal);
        foreach (CompetitorOutcome c in result.Competitors)
        {
            string p = c.PValue.ToString("G3", CultureInfo.InvariantCulture);
            if (c.TrainedOnMarkedData && (c.Verdict != "distilled" || !(c.PValue < DistilledPValue)))
            {
                shortfalls.Add($"{c.Name} was trained on marked data but is '{c.Verdict}' (p = {p})");
            }
            else if (c.HarvestAccounts is { } harvest)
            {
                IReadOnlyList<string> members = c.ClusterAccounts ?? [];
                string[] missing = [.. harvest.Except(members, StringComparer.Ordinal)];
                string[] innocent = [.. members.Where(benign.Contains)];
                if (c.AttributedCluster is null)
                {
                    shortfalls.Add($"{c.Name} learnt the campaign's harvest but is attributed to no cluster");
                }
                else if (missing.Length > 0)
                {
                    shortfalls.Add($"{c.Name} is attributed to {c.AttributedCluster}, which lacks {missing.Length} of the {harvest.Count} harvest accounts");
                }
                else if (innocent.Length > 0)
                {
                    shortfalls.Add($"{c.Name} is attributed to {c.AttributedCluster}, which holds {innocent.Length} benign accounts");
                }
            }
            else if (c.TrainedOnMarkedData && c.AttributedAccount != result.DistillerAccount)
            {
                shortfalls.Add($"{c.Name} is attributed to {c.AttributedAccount ?? "no account"}, not the distiller {result.DistillerAccount}");
            }
            else if (!c.TrainedOnMarkedData && (c.Verdict != "not-detected" || !(c.PValue > ControlPValue)))
            {
                shortfalls.Add($"{c.Name} never saw marked data but is '{c.Verdict}' (p = {p})");
            }

            if (c.HarvestAccounts is null && c.AttributedCluster is not null)
            {
                shortfalls.Add($"{c.Name} never learnt the campaign's answers but is attributed to {c.AttributedCluster}");
            }
        }

        if (result.Campaign is { } campaign && campaign.FlaggedAccounts.Where(benign.Contains).ToArray() is { Length: > 0 } flagged)
        {
            shortfalls.Add($"the extraction monitor flagged {flagged.Length} benign accounts ({string.Join(", ", flagged.Take(5))})");
        }

        return shortfalls;
    }
}
