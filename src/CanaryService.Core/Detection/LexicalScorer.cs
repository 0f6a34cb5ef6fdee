using CanaryService.Core.Keys;
using CanaryService.Core.Statistics;

namespace CanaryService.Core.Detection;

/// <summary>
/// Scores distinct lexical contexts against one key: <c>match_j = [observed == keyed choice]</c>, <c>p_j = 1/|g_j|</c>.
/// Under H0 the key is independent of the text, so for distinct (context, group) pairs the matches are independent
/// Bernoulli(p_j) whatever the text's own word preferences: the null is over the key, not over the writer.
/// </summary>
public static class LexicalScorer
{
    // Below this many contexts the keyed choices are computed on one thread; above, in chunks on all cores.
    private const int ParallelChunk = 4_096;

    /// <summary>
    /// Scores the contexts of <paramref name="layer"/> (already distinct and in history order) with <paramref name="key"/>:
    /// the Poisson-binomial p-value and the anytime-valid e-value. <see cref="DetectionTestResult.Significant"/> is left
    /// false: it is decided across all tests of an assessment.
    /// </summary>
    public static DetectionTestResult Score(IReadOnlyList<LexicalContext> contexts, LexicalKey key, LexicalLayer layer)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(key);
        var selected = new LexicalContext[contexts.Count];
        int n = 0;
        foreach (LexicalContext context in contexts)
        {
            if (context.Layer == layer && context.GroupSize >= 2)
            {
                selected[n++] = context;
            }
        }

        // The HMACs dominate and are independent: compute them in parallel, then accumulate in order.
        Array.Resize(ref selected, n);
        bool[] matches = Matches(selected, key);
        var probabilities = new double[n];
        int matchCount = 0;
        var eValue = new BernoulliEValue();
        for (int j = 0; j < n; j++)
        {
            double p = 1.0 / selected[j].GroupSize;
            probabilities[j] = p;
            matchCount += matches[j] ? 1 : 0;
            eValue.Add(matches[j], p);
        }

        TailProbability pValue = PoissonBinomial.UpperTail(probabilities, matchCount);
        return new DetectionTestResult(DetectionFamilies.Lexical, key.Id, n, matchCount, pValue, eValue.Value, Significant: false);
    }

    private static bool[] Matches(LexicalContext[] contexts, LexicalKey key)
    {
        var matches = new bool[contexts.Length];
        int chunks = (contexts.Length + ParallelChunk - 1) / ParallelChunk;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks > 1 ? -1 : 1 }, chunk =>
        {
            using LexicalKeyChooser chooser = key.CreateChooser();
            int end = Math.Min(contexts.Length, (chunk + 1) * ParallelChunk);
            for (int j = chunk * ParallelChunk; j < end; j++)
            {
                LexicalContext c = contexts[j];
                matches[j] = chooser.PreferredIndex(c.Context, c.GroupId, c.GroupSize) == c.ObservedIndex;
            }
        });
        return matches;
    }
}
