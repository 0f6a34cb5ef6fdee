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
/// The drill's students: distilled with a share of their training answers (by default 100 %, 25 % and 5 %) taken
/// from the distiller's marked answers, and a control that only ever saw unmarked answers. With the campaign
/// scenario, one more student learns the union of the campaign's harvested answers.
/// </summary>
internal static class StudentLineup
{
    /// <summary>The marked shares of the distilled students unless the command line names others.</summary>
    public static IReadOnlyList<double> DefaultShares { get; } = [1.0, 0.25, 0.05];

    /// <summary>The student of the campaign scenario: every answer it learnt was harvested by the campaign's accounts.</summary>
    public static StudentSpec Campaign { get; } = new("student-campaign", 1, FromCampaign: true);

    /// <summary>The students: one per marked share (largest first), the campaign's student when there is a campaign, the control last.</summary>
    public static IReadOnlyList<StudentSpec> For(IReadOnlyList<double> shares, bool campaign)
    {
        ArgumentNullException.ThrowIfNull(shares);
        return
        [
            .. shares.OrderDescending().Select(s => new StudentSpec("student-" + (s * 100).ToString("0.##", CultureInfo.InvariantCulture).Replace('.', '_') + "pct", s)),
            .. campaign ? [Campaign] : Array.Empty<StudentSpec>(),
            new StudentSpec("control", 0),
        ];
    }

    /// <summary>
    /// The training set of <paramref name="spec"/> over the distiller's prompts alone: for each prompt, the distiller's
    /// marked answer when the prompt is among the first <c>round(share × n)</c> of a seeded order (so the 5 % set lies
    /// inside the 25 % set), else the teacher's unmarked answer.
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

    /// <summary>How many other answers a student of <paramref name="share"/> learns beside <paramref name="harvested"/> of ours.</summary>
    public static int FillerCount(double share, int harvested) =>
        share >= 1 ? 0 : (int)Math.Round(harvested * (1 - share) / share);

    /// <summary>
    /// A mixed training set, as a distiller builds one: all <paramref name="marked"/> answers it harvested through the
    /// proxy, and other answers (<paramref name="filler"/>, e.g. other models' answers to other prompts) so that ours
    /// are the student's share of the whole: <c>n × (1 − s) / s</c> of them, the first ones of a seeded order (the 25 %
    /// student's lie inside the 5 % student's). The control learns the teacher's <paramref name="unmarked"/> answers to
    /// the same prompts and the filler of the smallest share, <paramref name="controlShare"/>: the twin of that student
    /// with every answer of ours unmarked.
    /// </summary>
    /// <exception cref="ArgumentException">The filler holds fewer answers than the share needs.</exception>
    public static IReadOnlyList<TrainingPair> MixedTrainingSet(
        StudentSpec spec,
        IReadOnlyList<TrainingPair> marked,
        IReadOnlyList<TrainingPair> unmarked,
        IReadOnlyList<TrainingPair> filler,
        double controlShare,
        int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(marked);
        ArgumentNullException.ThrowIfNull(unmarked);
        ArgumentNullException.ThrowIfNull(filler);
        if (marked.Count != unmarked.Count)
        {
            throw new ArgumentException("The marked and unmarked answers must cover the same prompts.", nameof(unmarked));
        }

        double share = spec.TrainedOnMarkedData ? spec.MarkedFraction : controlShare;
        int needed = FillerCount(share, marked.Count);
        if (needed > filler.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A student of {share:P0} needs {needed} other answers beside the {marked.Count} harvested, and the mix holds {filler.Count}: harvest fewer prompts, give a larger mix, or drop the share."), nameof(filler));
        }

        int[] order = [.. Enumerable.Range(0, filler.Count)];
        new Random(seed).Shuffle(order);
        IReadOnlyList<TrainingPair> ours = spec.TrainedOnMarkedData ? marked : unmarked;
        return [.. ours, .. order.Take(needed).Select(i => filler[i])];
    }
}
