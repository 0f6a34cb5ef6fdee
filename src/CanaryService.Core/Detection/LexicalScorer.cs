using CanaryService.Core.Keys;
using CanaryService.Core.Statistics;

namespace CanaryService.Core.Detection;

/// <summary>
/// Scores a history's lexical tallies against one key. For each (context, group) the keyed form is a uniform draw
/// over the group's forms under H0 (the key is independent of the text, and distinct pairs are independent HMAC
/// outputs), so whatever the text wrote, the count of the keyed form is one of the text's own form counts, each with
/// probability <c>1/|g|</c>: the null is over the key, not over the writer, and every occurrence can be used.
/// </summary>
/// <remarks>
/// <para>
/// Statistic: <c>S_cap = Σ v_cg(keyed form)</c> with <c>v_cg(f) = n_cgf</c> when the pair was written at most
/// <c>cap</c> times, else <c>round(cap · n_cgf / n_cg)</c>: a count, capped so that one very frequent context cannot
/// drown the rest. The values depend on the text only, so the null law of <c>S_cap</c> is exactly the convolution of
/// the uniform draws (<see cref="LatticeSum"/>); a pair written once is the old 0/1 match. Two caps are computed,
/// <see cref="WeightCaps"/>: a small one suits a student that copies a little everywhere (each pair counts about
/// once), a large one a student whose preference lives in its frequent contexts; the p-value is twice the smaller of
/// the two exact tails (Bonferroni), valid and at most twice the better one.
/// </para>
/// <para>
/// E-value: two test martingales, each betting on a pair once, at a time fixed by counts alone, by a factor
/// <c>1 + λ·(|g|·share − 1)</c> on the pair's keyed share then (<see cref="KeyedShareEValue"/>): <em>first-run</em>,
/// every pair at the end of the run where it was first counted (a student that copies everywhere is caught from its
/// rare contexts too), and <em>settled</em>, only the pairs written <see cref="LexicalTally.SettleCount"/> times, at
/// the end of the run that reaches it (<see cref="LexicalTally.SettledCounts"/>; a student at chance in its rare
/// contexts cannot wear this one down, and it grows as more of the student's contexts become frequent). The reported
/// e-value is <c>max(E_first, E_settled) / 2</c>: by Ville's inequality each martingale reaches <c>2/α</c> with
/// probability at most <c>α/2</c>, so <c>P(ever E ≥ 1/α) ≤ α</c>, and its expectation is at most 1.
/// </para>
/// </remarks>
public static class LexicalScorer
{
    /// <summary>The weight caps whose tails are combined (see the remarks).</summary>
    public static readonly IReadOnlyList<int> WeightCaps = [4, 64];

    // Below this many pairs the keyed choices are computed on one thread; above, in chunks on all cores.
    private const int ParallelChunk = 4_096;

    /// <summary>
    /// Scores the tallies of <paramref name="layer"/> (in history order) with <paramref name="key"/>: the exact (or, past
    /// <see cref="LatticeSum.ExactCellBudget"/>, conservative) p-value of every counted occurrence and the
    /// anytime-valid e-value. <see cref="DetectionTestResult.N"/> counts the scored occurrences and
    /// <see cref="DetectionTestResult.Matches"/> those written in the keyed form.
    /// <see cref="DetectionTestResult.Significant"/> is left false: it is decided across all tests of an assessment.
    /// </summary>
    /// <param name="tallies">The history's tallies, in the order of their first counted occurrence.</param>
    /// <param name="key">The key scored.</param>
    /// <param name="layer">Which groups are scored.</param>
    /// <param name="weightCap">One weight cap to use alone (to compare weightings); by default both <see cref="WeightCaps"/>, combined.</param>
    public static DetectionTestResult Score(IReadOnlyList<LexicalTally> tallies, LexicalKey key, LexicalLayer layer, int? weightCap = null)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        ArgumentNullException.ThrowIfNull(key);
        LexicalTally[] selected = [.. tallies.Where(t => t.Layer == layer && t.GroupSize >= 2 && t.Total > 0)];
        if (weightCap is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(weightCap), weightCap, "A weight cap must be at least 1.");
        }

        // The HMACs dominate and are independent: compute them in parallel, then accumulate in order.
        int[] keyed = KeyedForms(selected, key);
        long occurrences = 0, matches = 0;
        for (int j = 0; j < selected.Length; j++)
        {
            occurrences += selected[j].Total;
            matches += selected[j].Counts[keyed[j]];
        }

        TailProbability pValue;
        if (weightCap is int cap)
        {
            pValue = Tail(selected, keyed, cap);
        }
        else
        {
            // Bonferroni over the caps: each tail is exact (or a conservative bound), so twice the smaller is valid.
            TailProbability best = TailProbability.One;
            foreach (int c in WeightCaps)
            {
                TailProbability tail = Tail(selected, keyed, c);
                best = tail.PValue < best.PValue ? tail : best;
            }

            pValue = TailProbability.FromValue(best.PValue * WeightCaps.Count, best.Method);
        }

        // Each martingale bets on pairs in the order they were fixed (run, then first occurrence): the same order in
        // every longer history, so the e-values of a growing history are one process.
        var firstRun = new KeyedShareEValue();
        for (int j = 0; j < selected.Length; j++)
        {
            LexicalTally t = selected[j];
            if (t.FirstRunTotal == 0)
            {
                continue;   // a tally opened for a run it was not counted in (only by hand): nothing to bet on
            }

            firstRun.Add((double)t.FirstRunCounts[keyed[j]] / t.FirstRunTotal, 1.0 / t.GroupSize);
        }

        var settled = new KeyedShareEValue();
        foreach (int j in Enumerable.Range(0, selected.Length).Where(j => selected[j].IsSettled).OrderBy(j => selected[j].SettledRun).ThenBy(j => j))
        {
            ReadOnlySpan<int> counts = selected[j].SettledCounts;
            int total = 0;
            foreach (int n in counts)
            {
                total += n;
            }

            settled.Add((double)counts[keyed[j]] / total, 1.0 / selected[j].GroupSize);
        }

        // Before any bet the e-value is 1 (below 1/α for every α < 1, so the union bound is untouched).
        double eValue = firstRun.Trials == 0 ? 1.0 : EValue.FromLog(Math.Max(firstRun.LogValue, settled.LogValue) - Math.Log(2));
        return new DetectionTestResult(DetectionFamilies.Lexical, key.Id, occurrences, matches, pValue, eValue, Significant: false);
    }

    // P(S_cap' ≥ S_cap) under the key null, for the keyed forms given.
    private static TailProbability Tail(LexicalTally[] tallies, int[] keyed, int cap)
    {
        var sum = new LatticeSum();
        long observed = 0;
        Span<int> values = stackalloc int[64];
        for (int j = 0; j < tallies.Length; j++)
        {
            LexicalTally tally = tallies[j];
            Span<int> v = tally.GroupSize <= values.Length ? values[..tally.GroupSize] : new int[tally.GroupSize];
            Values(tally.Counts, tally.Total, cap, v);
            sum.AddUniform(v);
            observed += v[keyed[j]];
        }

        return sum.UpperTail(observed);
    }

    /// <summary>
    /// The statistic's value for each form of a pair: its count when the pair was written at most <paramref name="cap"/>
    /// times, else its count scaled to <paramref name="cap"/> and rounded (a function of the text only).
    /// </summary>
    public static void Values(ReadOnlySpan<int> counts, int total, int cap, Span<int> values)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(values.Length, counts.Length, nameof(values));
        for (int f = 0; f < counts.Length; f++)
        {
            values[f] = total <= cap ? counts[f] : (int)(((2L * counts[f] * cap) + total) / (2L * total));
        }
    }

    private static int[] KeyedForms(LexicalTally[] tallies, LexicalKey key)
    {
        var keyed = new int[tallies.Length];
        int chunks = (tallies.Length + ParallelChunk - 1) / ParallelChunk;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks > 1 ? -1 : 1 }, chunk =>
        {
            using LexicalKeyChooser chooser = key.CreateChooser();
            int end = Math.Min(tallies.Length, (chunk + 1) * ParallelChunk);
            for (int j = chunk * ParallelChunk; j < end; j++)
            {
                LexicalTally t = tallies[j];
                keyed[j] = chooser.PreferredIndex(t.Context, t.GroupId, t.GroupSize);
            }
        });
        return keyed;
    }
}
