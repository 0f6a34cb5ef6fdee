using CanaryService.Core.Keys;
using CanaryService.Core.Statistics;

namespace CanaryService.Core.Detection;

/// <summary>
/// The lexical test of a cluster of accounts as one: for each (context, group) of the account layer, the mean over the
/// cluster's keys of the share the text wrote in that key's form. A student trained on answers spread over many
/// accounts writes each account's forms a little; alone each account's test sees a small excess in its usual spread,
/// pooled the spread shrinks like 1/√k while the excess stays. Under "never saw any of the cluster's answers" each
/// key's form is a uniform draw independent of the text and of the other keys, so the mean has null mean 1/|g| for any
/// cluster size and the e-value (<see cref="PooledShareEValue"/>) is valid; the reported p-value is its bound
/// <c>min(1, 1/E)</c>.
/// </summary>
public static class ClusterLexicalScorer
{
    /// <summary>The key id prefix of a cluster test (<c>cluster:{id}</c>).</summary>
    public const string KeyPrefix = "cluster:";

    /// <summary>Scores the account-layer tallies with every key of <paramref name="keys"/> pooled, as the test <c>cluster:{clusterId}</c>.</summary>
    public static DetectionTestResult Score(IReadOnlyList<LexicalTally> tallies, string clusterId, IReadOnlyList<LexicalKey> keys)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(keys.Count, 1, nameof(keys));
        LexicalTally[] selected = [.. tallies.Where(t => t.Layer == LexicalLayer.Account && t.GroupSize >= 2 && t.Total > 0)];
        int[][] keyed = new int[keys.Count][];
        Parallel.For(0, keys.Count, k =>
        {
            using LexicalKeyChooser chooser = keys[k].CreateChooser();
            keyed[k] = [.. selected.Select(t => chooser.PreferredIndex(t.Context, t.GroupId, t.GroupSize))];
        });

        return Combine(selected, keyed, KeyPrefix + clusterId);
    }

    /// <summary>
    /// The pooled test given each key's form per tally (<paramref name="keyed"/>[key][tally]): the null simulation calls
    /// this with uniform draws, which is what the keys' forms are under the null.
    /// </summary>
    internal static DetectionTestResult Combine(IReadOnlyList<LexicalTally> tallies, int[][] keyed, string keyId)
    {
        long occurrences = 0;
        double matches = 0;
        var firstRun = new PooledShareEValue();
        var settled = new PooledShareEValue();
        for (int j = 0; j < tallies.Count; j++)
        {
            LexicalTally t = tallies[j];
            occurrences += t.Total;
            matches += MeanShare(t.Counts, t.Total, keyed, j) * t.Total;
            if (t.FirstRunTotal > 0)
            {
                firstRun.Add(MeanShare(t.FirstRunCounts, t.FirstRunTotal, keyed, j), 1.0 / t.GroupSize);
            }
        }

        foreach (int j in Enumerable.Range(0, tallies.Count).Where(j => tallies[j].IsSettled).OrderBy(j => tallies[j].SettledRun).ThenBy(j => j))
        {
            ReadOnlySpan<int> counts = tallies[j].SettledCounts;
            int total = 0;
            foreach (int n in counts)
            {
                total += n;
            }

            settled.Add(MeanShare(counts, total, keyed, j), 1.0 / tallies[j].GroupSize);
        }

        // Two martingales, the larger halved: as the per-account scorer does (Ville at 2/α each).
        double eValue = firstRun.Trials == 0 ? 1.0 : EValue.FromLog(Math.Max(firstRun.LogValue, settled.LogValue) - Math.Log(2));
        TailProbability bound = TailProbability.FromValue(1 / eValue, TailMethod.ChernoffBound);
        return new DetectionTestResult(DetectionFamilies.Lexical, keyId, occurrences, (long)Math.Round(matches), bound, eValue, Significant: false);
    }

    private static double MeanShare(ReadOnlySpan<int> counts, int total, int[][] keyed, int tally)
    {
        double sum = 0;
        foreach (int[] key in keyed)
        {
            sum += counts[key[tally]];
        }

        return Math.Clamp(sum / keyed.Length / total, 0, 1);
    }
}
