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
    /// <summary>
    /// Scores the contexts of <paramref name="layer"/> (already distinct and in history order) with <paramref name="key"/>:
    /// the Poisson-binomial p-value and the anytime-valid e-value. <see cref="DetectionTestResult.Significant"/> is left
    /// false: it is decided across all tests of an assessment.
    /// </summary>
    public static DetectionTestResult Score(IReadOnlyList<LexicalContext> contexts, LexicalKey key, LexicalLayer layer)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(key);
        var probabilities = new double[contexts.Count];
        int n = 0, matches = 0;
        var eValue = new BernoulliEValue();
        using LexicalKeyChooser chooser = key.CreateChooser();
        foreach (LexicalContext context in contexts)
        {
            if (context.Layer != layer || context.GroupSize < 2)
            {
                continue;
            }

            bool match = chooser.PreferredIndex(context.Context, context.GroupId, context.GroupSize) == context.ObservedIndex;
            double p = 1.0 / context.GroupSize;
            probabilities[n++] = p;
            matches += match ? 1 : 0;
            eValue.Add(match, p);
        }

        TailProbability pValue = PoissonBinomial.UpperTail(probabilities.AsSpan(0, n), matches);
        return new DetectionTestResult(DetectionFamilies.Lexical, key.Id, n, matches, pValue, eValue.Value, Significant: false);
    }
}
