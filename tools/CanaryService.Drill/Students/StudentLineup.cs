using System.Globalization;

namespace CanaryService.Drill.Students;

/// <summary>One student the drill trains: its competitor name and the ground truth of its training data.</summary>
/// <param name="Name">The competitor name it is probed under.</param>
/// <param name="MarkedFraction">The share of its training pairs that came through the proxy (0: the control).</param>
/// <param name="FromCampaign">Whether its answers were harvested by the campaign's accounts rather than the distiller.</param>
internal sealed record StudentSpec(string Name, double MarkedFraction, bool FromCampaign = false)
{
    /// <summary>Whether any of its training data was marked.</summary>
    public bool TrainedOnMarkedData => MarkedFraction > 0;
}

/// <summary>
/// The drill's students: distilled with 100 %, 25 % and 5 % of their training answers taken from the distiller's
/// (marked) answers and the rest from the teacher's unmarked answers to the other prompts, and a control that only
/// ever saw unmarked answers: every one of these learns the same prompts, only the provenance of the answers
/// differs. With the campaign scenario, a fifth student learns the union of the campaign's harvested answers.
/// </summary>
internal static class StudentLineup
{
    /// <summary>The marked shares of the distilled students.</summary>
    public static IReadOnlyList<double> MarkedShares { get; } = [1.0, 0.25, 0.05];

    /// <summary>The student of the campaign scenario: every answer it learnt was harvested by the campaign's accounts.</summary>
    public static StudentSpec Campaign { get; } = new("student-campaign", 1, FromCampaign: true);

    /// <summary>The students, distilled ones first, the control last.</summary>
    public static IReadOnlyList<StudentSpec> Specs { get; } =
    [
        .. MarkedShares.Select(s => new StudentSpec("student-" + (s * 100).ToString("0", CultureInfo.InvariantCulture) + "pct", s)),
        new StudentSpec("control", 0),
    ];

    /// <summary>The students of a drill: <see cref="Specs"/>, and the campaign's student before the control when there is a campaign.</summary>
    public static IReadOnlyList<StudentSpec> For(bool campaign) =>
        campaign ? [.. Specs.Where(s => s.TrainedOnMarkedData), Campaign, .. Specs.Where(s => !s.TrainedOnMarkedData)] : Specs;

    /// <summary>
    /// The training set of <paramref name="spec"/>: for each prompt, the distiller's marked answer when the prompt is
    /// among the first <c>round(share × n)</c> of a seeded order (so the 5 % set lies inside the 25 % set), else the
    /// teacher's unmarked answer.
    /// </summary>
    /// <param name="spec">The student.</param>
    /// <param name="marked">The distiller's (prompt, marked answer) pairs.</param>
    /// <param name="unmarked">The teacher's answers to the same prompts, unmarked, in the same order.</param>
    /// <param name="seed">The drill's seed.</param>
    public static IReadOnlyList<TrainingPair> TrainingSet(StudentSpec spec, IReadOnlyList<TrainingPair> marked, IReadOnlyList<TrainingPair> unmarked, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(marked);
        ArgumentNullException.ThrowIfNull(unmarked);
        if (marked.Count != unmarked.Count)
        {
            throw new ArgumentException("The marked and unmarked answers must cover the same prompts.", nameof(unmarked));
        }

        int[] order = [.. Enumerable.Range(0, marked.Count)];
        new Random(seed).Shuffle(order);
        int markedCount = spec.TrainedOnMarkedData ? Math.Max(1, (int)Math.Round(spec.MarkedFraction * marked.Count)) : 0;
        HashSet<int> fromDistiller = [.. order.Take(markedCount)];
        return [.. Enumerable.Range(0, marked.Count).Select(i => fromDistiller.Contains(i) ? marked[i] : unmarked[i])];
    }
}
