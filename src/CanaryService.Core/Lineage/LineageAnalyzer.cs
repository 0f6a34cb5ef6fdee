using System.Numerics;
using System.Runtime.InteropServices;

namespace CanaryService.Core.Lineage;

/// <summary>
/// Fingerprints and pairwise similarity. A model's fingerprint is, per n-gram, the z-scored log-odds ratio of its rate
/// against the panel's (every other model on the same prompts) with an informative Dirichlet prior (Monroe, Colaresi
/// and Quinn 2008). Two models are compared on the prompts both answered, by the split-half cosine of their
/// fingerprints, with a percentile interval from a Poisson bootstrap over those prompts.
/// </summary>
/// <remarks>
/// <para>
/// Why split-half: a z-vector is signal plus about one unit of noise per feature, so the plain cosine of two noisy
/// vectors shrinks towards 0 with fewer prompts and more features, and its "truth" would depend on the sample size. The
/// prompts are split in two halves by a hash of their text; with <c>z⁰</c>, <c>z¹</c> a model's fingerprints on each
/// half, <c>(z_A⁰·z_B¹ + z_A¹·z_B⁰)/2</c> estimates the product of the noise-free fingerprints and <c>z_A⁰·z_A¹</c> each
/// one's squared norm without the noise term (the halves share no prompt and no answer), whatever the words'
/// burstiness. The ratio estimates the cosine of the models' population fingerprints: the quantity the intervals cover.
/// </para>
/// <para>
/// Why a Poisson bootstrap: each prompt gets a Poisson(1) weight per replicate, drawn once for all pairs, so pairs with
/// different shared prompts are resampled consistently and each replicate is one draw per prompt.
/// </para>
/// </remarks>
public static class LineageAnalyzer
{
    /// <summary>Analyses <paramref name="corpus"/>: every model's fingerprint and every pair's similarity and interval.</summary>
    public static LineageAnalysis Analyze(LineageCorpus corpus, LineageOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int models = corpus.Models.Count;
        int[] half = [.. corpus.Prompts.Select(LineageCorpus.HalfOf)];

        // Pairs that share the same prompts share one panel computation: usually every model answered the same prompts.
        Dictionary<string, PromptSet> sets = new(StringComparer.Ordinal);
        List<(int A, int B, PromptSet Set)> pairs = [];
        for (int a = 0; a < models; a++)
        {
            for (int b = a + 1; b < models; b++)
            {
                int[] shared = Intersect(corpus.Answers[a].PromptIndex, corpus.Answers[b].PromptIndex);
                if (shared.Length < options.MinimumSharedPrompts)
                {
                    continue;
                }

                string key = string.Join(',', shared);
                if (!sets.TryGetValue(key, out PromptSet? set))
                {
                    set = new PromptSet(shared, corpus.Prompts.Count);
                    sets.Add(key, set);
                }

                set.Models.Add(a);
                set.Models.Add(b);
                pairs.Add((a, b, set));
            }
        }

        int replicates = options.BootstrapReplicates;
        double[][] similarity = [.. pairs.Select(_ => new double[replicates + 1])];
        string[][] drivers = new string[pairs.Count][];
        string[]?[] topNGrams = new string[models][];

        Parallel.For(0, replicates + 1, new ParallelOptions { CancellationToken = cancellationToken }, () => new Workspace(models, corpus.Features.Count), (replicate, _, work) =>
        {
            double[] weights = Weights(corpus.Prompts.Count, replicate, options.Seed);
            foreach (PromptSet set in sets.Values)
            {
                work.Accumulate(corpus, set, half, weights);
                foreach (int m in set.Models)
                {
                    work.Fingerprint(m, corpus.Background, options.PriorStrength);
                    if (replicate == 0 && topNGrams[m] is null && set.Prompts.Length == corpus.Answers[m].PromptIndex.Length)
                    {
                        // The set is all of this model's prompts: its own fingerprint comes for free.
                        topNGrams[m] = Top(work.FullFingerprint(m, corpus.Background, options.PriorStrength), corpus.Features);
                    }
                }

                for (int p = 0; p < pairs.Count; p++)
                {
                    if (ReferenceEquals(pairs[p].Set, set))
                    {
                        similarity[p][replicate] = work.Similarity(pairs[p].A, pairs[p].B);
                        if (replicate == 0)
                        {
                            drivers[p] = work.Drivers(pairs[p].A, pairs[p].B, corpus.Features, options.DriverCount);
                        }
                    }
                }
            }

            return work;
        }, _ => { });

        LineageModel[] summaries = [.. Enumerable.Range(0, models).Select(m => new LineageModel(
            corpus.Models[m], corpus.Answers[m].PromptIndex.Length, topNGrams[m] ?? TopNGrams(corpus, m, half, options)))];
        double tail = (1 - options.ConfidenceLevel) / 2;
        LineagePair[] results = [.. pairs.Select((pair, p) =>
        {
            double estimate = similarity[p][0];
            double low = estimate, high = estimate;
            if (replicates > 0)
            {
                double[] sorted = [.. similarity[p].AsSpan(1).ToArray().Order()];
                low = Quantile(sorted, tail);
                high = Quantile(sorted, 1 - tail);
            }

            return new LineagePair(corpus.Models[pair.A], corpus.Models[pair.B], estimate, low, high, pair.Set.Prompts.Length, drivers[p]);
        })];
        return new LineageAnalysis(summaries, results, replicates, options.ConfidenceLevel, options.Seed);
    }

    /// <summary>The sample quantile with linear interpolation between order statistics (Hyndman and Fan type 7).</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }

    // A model's strongest over-used n-grams against every other model on its own prompts, for the report.
    private static string[] TopNGrams(LineageCorpus corpus, int model, int[] half, LineageOptions options)
    {
        var work = new Workspace(corpus.Models.Count, corpus.Features.Count);
        var set = new PromptSet(corpus.Answers[model].PromptIndex, corpus.Prompts.Count);
        work.Accumulate(corpus, set, half, Weights(corpus.Prompts.Count, 0, options.Seed));
        return Top(work.FullFingerprint(model, corpus.Background, options.PriorStrength), corpus.Features);
    }

    private static string[] Top(double[] z, IReadOnlyList<string> features) =>
        [.. Enumerable.Range(0, z.Length).Where(f => z[f] > 0).OrderByDescending(f => z[f]).ThenBy(f => f).Take(10).Select(f => features[f])];

    // Replicate 0 is the data itself; replicate r draws a Poisson(1) weight per prompt from a seed fixed by (seed, r).
    private static double[] Weights(int prompts, int replicate, int seed)
    {
        double[] weights = new double[prompts];
        if (replicate == 0)
        {
            Array.Fill(weights, 1.0);
            return weights;
        }

        var random = new Random(unchecked((seed * 7_919) + replicate));
        for (int p = 0; p < prompts; p++)
        {
            weights[p] = Poisson1(random);
        }

        return weights;
    }

    // Knuth's multiplication method, exact for a small mean.
    private static int Poisson1(Random random)
    {
        double limit = Math.Exp(-1);
        int k = 0;
        double product = random.NextDouble();
        while (product > limit)
        {
            k++;
            product *= random.NextDouble();
        }

        return k;
    }

    private static int[] Intersect(int[] a, int[] b)
    {
        List<int> shared = [];
        for (int i = 0, j = 0; i < a.Length && j < b.Length;)
        {
            if (a[i] == b[j])
            {
                shared.Add(a[i]);
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return [.. shared];
    }

    internal static double Dot(double[] x, double[] y)
    {
        ReadOnlySpan<Vector<double>> vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        ReadOnlySpan<Vector<double>> vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        Vector<double> acc = Vector<double>.Zero;
        for (int i = 0; i < vx.Length; i++)
        {
            acc += vx[i] * vy[i];
        }

        double sum = Vector.Sum(acc);
        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary>A set of prompts (the ones a group of pairs share) and the models compared on it.</summary>
    private sealed class PromptSet(int[] prompts, int promptCount)
    {
        public int[] Prompts { get; } = prompts;

        public bool[] Contains { get; } = Mark(prompts, promptCount);

        public SortedSet<int> Models { get; } = [];

        private static bool[] Mark(int[] prompts, int count)
        {
            bool[] marks = new bool[count];
            foreach (int p in prompts)
            {
                marks[p] = true;
            }

            return marks;
        }
    }

    /// <summary>One worker's buffers: per model and half, the weighted counts and the fingerprint.</summary>
    private sealed class Workspace
    {
        private readonly double[][][] _counts;
        private readonly double[][] _total;
        private readonly double[][][] _z;
        private readonly double[] _self;

        public Workspace(int models, int features)
        {
            _counts = [.. Enumerable.Range(0, models).Select(_ => new[] { new double[features], new double[features] })];
            _z = [.. Enumerable.Range(0, models).Select(_ => new[] { new double[features], new double[features] })];
            _total = [new double[features], new double[features]];
            _self = new double[models];
        }

        /// <summary>Every model's weighted counts on <paramref name="set"/>, per half, and their totals (the panel plus the model).</summary>
        public void Accumulate(LineageCorpus corpus, PromptSet set, int[] half, double[] weights)
        {
            Array.Clear(_total[0]);
            Array.Clear(_total[1]);
            for (int m = 0; m < _counts.Length; m++)
            {
                Array.Clear(_counts[m][0]);
                Array.Clear(_counts[m][1]);
                LineageAnswers answers = corpus.Answers[m];
                for (int i = 0; i < answers.PromptIndex.Length; i++)
                {
                    int prompt = answers.PromptIndex[i];
                    double w = weights[prompt];
                    if (!set.Contains[prompt] || w == 0)
                    {
                        continue;
                    }

                    double[] counts = _counts[m][half[prompt]];
                    double[] total = _total[half[prompt]];
                    SparseCounts answer = answers.Counts[i];
                    for (int j = 0; j < answer.Index.Length; j++)
                    {
                        double add = w * answer.Weight[j];
                        counts[answer.Index[j]] += add;
                        total[answer.Index[j]] += add;
                    }
                }
            }
        }

        /// <summary>The model's z-scored log-odds on each half, and the product of the two (its reproducible over-use).</summary>
        public void Fingerprint(int model, double[] background, double prior)
        {
            for (int h = 0; h < 2; h++)
            {
                ZScores(_counts[model][h], _total[h], background, prior, _z[model][h]);
            }

            _self[model] = Dot(_z[model][0], _z[model][1]);
        }

        /// <summary>The model's fingerprint on both halves together.</summary>
        public double[] FullFingerprint(int model, double[] background, double prior)
        {
            int features = background.Length;
            double[] counts = new double[features];
            double[] total = new double[features];
            for (int f = 0; f < features; f++)
            {
                counts[f] = _counts[model][0][f] + _counts[model][1][f];
                total[f] = _total[0][f] + _total[1][f];
            }

            double[] z = new double[features];
            ZScores(counts, total, background, prior, z);
            return z;
        }

        /// <summary>The split-half cosine; 0 when either model's over-use does not reproduce across halves.</summary>
        public double Similarity(int a, int b)
        {
            if (_self[a] <= 0 || _self[b] <= 0)
            {
                return 0;
            }

            double cross = (Dot(_z[a][0], _z[b][1]) + Dot(_z[a][1], _z[b][0])) / 2;
            return Math.Clamp(cross / Math.Sqrt(_self[a] * _self[b]), -1, 1);
        }

        /// <summary>The n-grams both over-use most: largest product of positive z-scores (each the sum of its two halves').</summary>
        public string[] Drivers(int a, int b, IReadOnlyList<string> features, int count)
        {
            double[] za = [.. _z[a][0].Zip(_z[a][1], static (x, y) => x + y)];
            double[] zb = [.. _z[b][0].Zip(_z[b][1], static (x, y) => x + y)];
            return [.. Enumerable.Range(0, za.Length).Where(f => za[f] > 0 && zb[f] > 0)
                .OrderByDescending(f => za[f] * zb[f]).ThenBy(f => f).Take(count).Select(f => features[f])];
        }

        // Monroe et al. (2008), eq. 16 and 20: the log-odds ratio of the model against the rest, with prior counts
        // α_w = α₀ · background share, divided by its approximate standard deviation.
        private static void ZScores(double[] model, double[] total, double[] background, double prior, double[] z)
        {
            double nModel = 0, nTotal = 0;
            for (int f = 0; f < model.Length; f++)
            {
                nModel += model[f];
                nTotal += total[f];
            }

            double nRest = Math.Max(0, nTotal - nModel);
            for (int f = 0; f < model.Length; f++)
            {
                double alpha = Math.Max(prior * background[f], 1e-9);
                double yi = model[f];
                double yj = Math.Max(0, total[f] - yi);
                double delta = Math.Log((yi + alpha) / (nModel + prior - yi - alpha)) - Math.Log((yj + alpha) / (nRest + prior - yj - alpha));
                z[f] = delta / Math.Sqrt((1 / (yi + alpha)) + (1 / (yj + alpha)));
            }
        }
    }
}
