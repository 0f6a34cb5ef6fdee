namespace CanaryService.Core.Lineage;

/// <summary>One merge of the average-linkage tree: two clusters joined at a distance.</summary>
/// <param name="Left">The first cluster: a leaf index (0..n-1) or n + the index of an earlier merge.</param>
/// <param name="Right">The second cluster, numbered the same way.</param>
/// <param name="Distance">The average distance between their members (1 − similarity).</param>
public sealed record LineageMerge(int Left, int Right, double Distance);

/// <summary>The average-linkage (UPGMA) tree of the models and the order its leaves are drawn in.</summary>
/// <param name="Models">The leaves.</param>
/// <param name="Merges">n − 1 merges, nearest first.</param>
/// <param name="LeafOrder">The leaves in dendrogram order (each merge's left subtree before its right).</param>
public sealed record LineageTree(IReadOnlyList<string> Models, IReadOnlyList<LineageMerge> Merges, IReadOnlyList<int> LeafOrder);

/// <summary>Average-linkage hierarchical clustering on 1 − similarity.</summary>
public static class LineageClustering
{
    /// <summary>
    /// Clusters the analysis's models. A pair that was not compared (too few shared prompts) counts as distance 1
    /// (similarity 0): unrelated until shown otherwise.
    /// </summary>
    public static LineageTree AverageLinkage(LineageAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        string[] models = [.. analysis.Models.Select(m => m.Model)];
        int n = models.Length;
        double[,] distance = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double d = 1 - (analysis.Pair(models[i], models[j])?.Similarity ?? 0);
                distance[i, j] = d;
                distance[j, i] = d;
            }
        }

        // Naive UPGMA, O(n³): a panel has tens of models, not thousands.
        List<int> active = [.. Enumerable.Range(0, n)];
        int[] id = [.. Enumerable.Range(0, n)];
        int[] size = [.. Enumerable.Repeat(1, n)];
        List<int>[] members = [.. Enumerable.Range(0, n).Select(i => new List<int> { i })];
        List<LineageMerge> merges = [];
        while (active.Count > 1)
        {
            (int bi, int bj, double best) = (-1, -1, double.PositiveInfinity);
            for (int x = 0; x < active.Count; x++)
            {
                for (int y = x + 1; y < active.Count; y++)
                {
                    double d = distance[active[x], active[y]];
                    if (d < best)
                    {
                        (bi, bj, best) = (active[x], active[y], d);
                    }
                }
            }

            merges.Add(new LineageMerge(id[bi], id[bj], best));
            foreach (int k in active)
            {
                if (k != bi && k != bj)
                {
                    double d = ((distance[bi, k] * size[bi]) + (distance[bj, k] * size[bj])) / (size[bi] + size[bj]);
                    distance[bi, k] = d;
                    distance[k, bi] = d;
                }
            }

            size[bi] += size[bj];
            members[bi].AddRange(members[bj]);
            id[bi] = n + merges.Count - 1;
            active.Remove(bj);
        }

        return new LineageTree(models, merges, n == 0 ? [] : members[active[0]]);
    }
}
