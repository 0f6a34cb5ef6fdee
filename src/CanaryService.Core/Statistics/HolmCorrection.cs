namespace CanaryService.Core.Statistics;

/// <summary>
/// Holm's step-down procedure: controls the family-wise error rate at α over m tests under any dependence.
/// Sort the p-values ascending; reject while <c>p_(k) ≤ α / (m − k)</c> (k from 0), stop at the first that is not.
/// </summary>
public static class HolmCorrection
{
    /// <summary>Which hypotheses are rejected, in the order given.</summary>
    public static bool[] Reject(IReadOnlyList<double> pValues, double alpha)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be in (0, 1).");
        }

        int m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => double.IsNaN(pValues[i]) ? 1.0 : pValues[i]).ToArray();
        var rejected = new bool[m];
        for (int k = 0; k < m; k++)
        {
            double p = pValues[order[k]];
            if (!(p <= alpha / (m - k)))
            {
                break;
            }

            rejected[order[k]] = true;
        }

        return rejected;
    }
}
