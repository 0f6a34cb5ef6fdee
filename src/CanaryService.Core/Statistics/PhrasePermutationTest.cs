namespace CanaryService.Core.Statistics;

/// <summary>The outcome of the phrase permutation test.</summary>
/// <param name="Topics">Topics scored.</param>
/// <param name="RealHits">S: the sum over topics of the real candidate's count.</param>
/// <param name="PValue">The exact permutation p-value <c>P(S' ≥ S)</c>.</param>
/// <param name="DecoyHits">The sum over topics and decoys of the decoys' counts.</param>
/// <param name="DecoyHitRate">Of all (topic, decoy) pairs, the fraction found at least once: the false-hit rate the matcher shows on phrases nobody ever emitted.</param>
public sealed record PhrasePermutationResult(int Topics, long RealHits, TailProbability PValue, long DecoyHits, double DecoyHitRate);

/// <summary>
/// The exact permutation test for canary phrasings. The real index of each topic is a uniform secret pick, so
/// when the competitor never saw our canaries its counts are independent of the pick and the real count is a
/// uniform draw from the topic's D+1 counts. The sum over independent topics has an exact null distribution:
/// the convolution of those uniform draws.
/// </summary>
public static class PhrasePermutationTest
{
    /// <summary>Scores the topics.</summary>
    public static PhrasePermutationResult Run(IReadOnlyList<TopicCandidateCounts> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        long realHits = 0, decoyHits = 0, decoyPairs = 0, decoysFound = 0;
        foreach (TopicCandidateCounts topic in topics)
        {
            ArgumentNullException.ThrowIfNull(topic);
            topic.Validate();
            realHits += topic.RealCount;
            for (int i = 0; i < topic.Counts.Count; i++)
            {
                if (i != topic.RealIndex)
                {
                    decoyPairs++;
                    decoyHits += topic.Counts[i];
                    decoysFound += topic.Counts[i] > 0 ? 1 : 0;
                }
            }
        }

        double decoyRate = decoyPairs == 0 ? 0 : (double)decoysFound / decoyPairs;
        return new PhrasePermutationResult(topics.Count, realHits, UpperTail(topics, realHits), decoyHits, decoyRate);
    }

    /// <summary><c>P(S' ≥ observed)</c> where S' sums one uniform draw from each topic's counts.</summary>
    public static TailProbability UpperTail(IReadOnlyList<TopicCandidateCounts> topics, long observed)
    {
        ArgumentNullException.ThrowIfNull(topics);

        // A topic whose counts are all equal adds a constant; subtract it instead of convolving.
        long threshold = observed;
        var varying = new List<(int Value, double Probability)[]>();
        long maxSum = 0;
        foreach (TopicCandidateCounts topic in topics)
        {
            topic.Validate();
            var distribution = Distribution(topic.Counts);
            if (distribution.Length == 1)
            {
                threshold -= distribution[0].Value;
                continue;
            }

            // Shift to start at zero so the support stays as small as possible.
            int min = distribution[0].Value;
            threshold -= min;
            for (int i = 0; i < distribution.Length; i++)
            {
                distribution[i].Value -= min;
            }

            maxSum += distribution[^1].Value;
            varying.Add(distribution);
        }

        if (threshold <= 0)
        {
            return TailProbability.One;
        }

        if (threshold > maxSum)
        {
            // Cannot happen with the real counts (S is in the support); kept for callers testing other thresholds.
            return TailProbability.FromValue(0, TailMethod.Exact);
        }

        // Convolve, keeping the mass at or above the threshold in one absorbing cell: the support stays ≤ threshold + 1.
        int width = (int)Math.Min(threshold, int.MaxValue - 1);
        var current = new double[width + 1];
        var next = new double[width + 1];
        current[0] = 1;
        int reach = 0;
        foreach (var distribution in varying)
        {
            Array.Clear(next, 0, Math.Min(width, reach + distribution[^1].Value) + 1);
            for (int s = 0; s <= reach; s++)
            {
                double mass = current[s];
                if (mass == 0)
                {
                    continue;
                }

                if (s == width)
                {
                    next[width] += mass;
                    continue;
                }

                foreach ((int value, double probability) in distribution)
                {
                    int target = (int)Math.Min(width, (long)s + value);
                    next[target] += mass * probability;
                }
            }

            reach = (int)Math.Min(width, (long)reach + distribution[^1].Value);
            (current, next) = (next, current);
        }

        return TailProbability.FromValue(current[width], TailMethod.Exact);
    }

    // The distinct counts of a topic with their probabilities under a uniform pick, ascending.
    private static (int Value, double Probability)[] Distribution(IReadOnlyList<int> counts)
    {
        var sorted = counts.ToArray();
        Array.Sort(sorted);
        var result = new List<(int, double)>();
        double unit = 1.0 / sorted.Length;
        int start = 0;
        for (int i = 1; i <= sorted.Length; i++)
        {
            if (i == sorted.Length || sorted[i] != sorted[start])
            {
                result.Add((sorted[start], (i - start) * unit));
                start = i;
            }
        }

        return [.. result];
    }
}
