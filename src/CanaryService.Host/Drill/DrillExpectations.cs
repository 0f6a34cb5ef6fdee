using System.Globalization;

namespace CanaryService.Host.Drill;

/// <summary>
/// What the drill must show (issue 5): every marked student "distilled" with p &lt; 1e-6 and the distiller attributed;
/// the control "not-detected" with p &gt; 0.01.
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
        foreach (CompetitorOutcome c in result.Competitors)
        {
            string p = c.PValue.ToString("G3", CultureInfo.InvariantCulture);
            if (c.TrainedOnMarkedData)
            {
                if (c.Verdict != "distilled" || !(c.PValue < DistilledPValue))
                {
                    shortfalls.Add($"{c.Name} was trained on marked data but is '{c.Verdict}' (p = {p})");
                }
                else if (c.AttributedAccount != result.DistillerAccount)
                {
                    shortfalls.Add($"{c.Name} is attributed to {c.AttributedAccount ?? "no account"}, not the distiller {result.DistillerAccount}");
                }
            }
            else if (c.Verdict != "not-detected" || !(c.PValue > ControlPValue))
            {
                shortfalls.Add($"{c.Name} never saw marked data but is '{c.Verdict}' (p = {p})");
            }
        }

        return shortfalls;
    }
}
