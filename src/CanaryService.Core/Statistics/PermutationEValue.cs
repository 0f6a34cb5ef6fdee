namespace CanaryService.Core.Statistics;

/// <summary>
/// An anytime-valid e-value for canary phrasings: per topic the ratio <c>r = count(real) / mean(count over its D+1
/// candidates)</c> (1 when all counts are zero). Under the null the real index is a uniform pick independent of the
/// counts, so r has mean exactly 1; topics have independent picks, so the product is a test martingale. Each topic
/// stakes <see cref="Stake"/> of the wealth on r and keeps the rest, <c>1 − s + s·r</c> (still mean 1): a topic
/// where only a decoy was matched (a fuzzy false hit) then costs a factor 20 instead of all the evidence so far.
/// </summary>
/// <remarks>
/// A topic must contribute one factor only, fixed once: re-scoring it as more answers arrive would reuse the same
/// secret pick and break the martingale property. Callers decide when a topic's counts are final (for example
/// the first probe run in which any of its candidates was seen, a rule that depends on the counts only).
/// </remarks>
public sealed class PermutationEValue
{
    /// <summary>The fraction of the wealth bet on each topic.</summary>
    public const double Stake = 0.95;

    /// <summary>Topics multiplied in.</summary>
    public int Topics { get; private set; }

    /// <summary>The natural log of the e-value.</summary>
    public double LogValue { get; private set; }

    /// <summary>The e-value (clamped to <see cref="EValue.Ceiling"/>).</summary>
    public double Value => EValue.FromLog(LogValue);

    /// <summary>The factor of one topic: <c>1 − s + s·count(real) / mean(counts)</c>, 1 when every count is zero.</summary>
    public static double Factor(TopicCandidateCounts topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        topic.Validate();
        long total = 0;
        foreach (int count in topic.Counts)
        {
            total += count;
        }

        return total == 0 ? 1.0 : 1 - Stake + (Stake * topic.RealCount * topic.Counts.Count / total);
    }

    /// <summary>Multiplies in one topic's final counts.</summary>
    public void Add(TopicCandidateCounts topic)
    {
        LogValue += Math.Log(Factor(topic));
        Topics++;
    }
}
