namespace CanaryService.Core.Statistics;

/// <summary>One probed topic: how many answers contained each of its D+1 candidate phrasings, and which one is real.</summary>
/// <param name="Counts">Answers containing each candidate, in candidate order (D+1 entries).</param>
/// <param name="RealIndex">The secret index of the emitted candidate.</param>
public sealed record TopicCandidateCounts(IReadOnlyList<int> Counts, int RealIndex)
{
    /// <summary>The real candidate's count.</summary>
    public int RealCount => Counts[RealIndex];

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Counts);
        if (Counts.Count < 2)
        {
            throw new ArgumentException("A topic needs at least two candidates (the real one and a decoy).", nameof(Counts));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(RealIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(RealIndex, Counts.Count);
        foreach (int count in Counts)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count, nameof(Counts));
        }
    }
}
