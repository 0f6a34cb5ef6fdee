namespace CanaryService.Core.Lineage;

/// <summary>
/// The samples counted: a vocabulary of n-gram features and, per model and prompt, the answer's length-capped counts.
/// Built in two passes over the answers (document frequencies by 64-bit hash, then counts of the chosen features), so a
/// corpus of millions of words never holds every distinct 2-gram as a string.
/// </summary>
public sealed class LineageCorpus
{
    private LineageCorpus(string[] models, string[] prompts, string[] features, double[] background, LineageAnswers[] answers)
    {
        Models = models;
        Prompts = prompts;
        Features = features;
        Background = background;
        Answers = answers;
    }

    /// <summary>The models, in ordinal order of their names.</summary>
    public IReadOnlyList<string> Models { get; }

    /// <summary>Every distinct prompt text, indexed as the answers refer to them.</summary>
    public IReadOnlyList<string> Prompts { get; }

    /// <summary>The feature n-grams (a 2-gram's words separated by a space).</summary>
    public IReadOnlyList<string> Features { get; }

    /// <summary>Each feature's share of all counted words (the prior's shape); sums to 1.</summary>
    internal double[] Background { get; }

    /// <summary>Per model (as <see cref="Models"/>), its answers.</summary>
    internal LineageAnswers[] Answers { get; }

    /// <summary>How many answers <paramref name="model"/> has (0 when unknown).</summary>
    public int SampleCount(string model)
    {
        int index = Array.BinarySearch((string[])Models, model, StringComparer.Ordinal);
        return index < 0 ? 0 : Answers[index].PromptIndex.Length;
    }

    /// <summary>
    /// Counts <paramref name="samples"/>. A model's repeated answer to the same prompt replaces the earlier one (the last
    /// wins), so re-uploading a model's samples does not count them twice.
    /// </summary>
    public static LineageCorpus Build(IEnumerable<LineageSample> samples, LineageOptions options)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        Dictionary<(string Model, string Prompt), string> latest = [];
        foreach (LineageSample sample in samples)
        {
            ArgumentNullException.ThrowIfNull(sample);
            latest[(sample.Model, sample.Prompt)] = sample.Output;
        }

        string[] models = [.. latest.Keys.Select(k => k.Model).Distinct().Order(StringComparer.Ordinal)];
        string[] prompts = [.. latest.Keys.Select(k => k.Prompt).Distinct().Order(StringComparer.Ordinal)];
        Dictionary<string, int> promptIndex = prompts.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i, StringComparer.Ordinal);
        KeyValuePair<(string Model, string Prompt), string>[] entries = [.. latest];

        // Pass 1: in how many answers each n-gram occurs (by hash; a 64-bit collision among a few million n-grams is
        // improbable and would only merge two rare features).
        var answersWith = new Dictionary<ulong, int>();
        var seen = new HashSet<ulong>();
        foreach (KeyValuePair<(string Model, string Prompt), string> entry in entries)
        {
            seen.Clear();
            LineageText.ForEachNGram(entry.Value, gram => seen.Add(Hash(gram)));
            foreach (ulong h in seen)
            {
                answersWith[h] = answersWith.GetValueOrDefault(h) + 1;
            }
        }

        Dictionary<ulong, int> featureOf = answersWith
            .Where(kv => kv.Value >= options.MinimumAnswers)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key)
            .Take(options.VocabularySize)
            .Select((kv, i) => (kv.Key, i))
            .ToDictionary(x => x.Key, x => x.i);
        answersWith.Clear();

        // Pass 2: each answer's counts of the chosen features, scaled so that it weighs at most AnswerWordCap words.
        string[] features = new string[featureOf.Count];
        double[] totals = new double[featureOf.Count];
        var perModel = models.ToDictionary(m => m, _ => new List<(int Prompt, SparseCounts Counts)>(), StringComparer.Ordinal);
        var counts = new Dictionary<int, int>();
        foreach (KeyValuePair<(string Model, string Prompt), string> entry in entries)
        {
            counts.Clear();
            int words = LineageText.ForEachNGram(entry.Value, gram =>
            {
                if (featureOf.TryGetValue(Hash(gram), out int f))
                {
                    features[f] ??= gram;
                    counts[f] = counts.GetValueOrDefault(f) + 1;
                }
            });
            float scale = words <= options.AnswerWordCap ? 1f : (float)options.AnswerWordCap / words;
            int[] index = [.. counts.Keys.Order()];
            float[] weight = [.. index.Select(f => counts[f] * scale)];
            for (int i = 0; i < index.Length; i++)
            {
                totals[index[i]] += weight[i];
            }

            perModel[entry.Key.Model].Add((promptIndex[entry.Key.Prompt], new SparseCounts(index, weight)));
        }

        double sum = totals.Sum();
        double[] background = [.. totals.Select(t => sum > 0 ? t / sum : 1.0 / Math.Max(1, totals.Length))];
        LineageAnswers[] answers = [.. models.Select(m =>
        {
            (int Prompt, SparseCounts Counts)[] list = [.. perModel[m].OrderBy(x => x.Prompt)];
            return new LineageAnswers([.. list.Select(x => x.Prompt)], [.. list.Select(x => x.Counts)]);
        })];
        return new LineageCorpus(models, prompts, [.. features.Select(f => f ?? "")], background, answers);
    }

    /// <summary>FNV-1a over the UTF-16 code units: stable across runs and processes, unlike string.GetHashCode.</summary>
    internal static ulong Hash(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in text)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }

    /// <summary>Which half of the prompts a prompt falls in for the split-half similarity: fixed by its text.</summary>
    internal static int HalfOf(string prompt) => (int)(Hash(prompt) >> 63);

}

/// <summary>One model's answers: the prompt indices (ascending) and each answer's feature counts.</summary>
internal sealed record LineageAnswers(int[] PromptIndex, SparseCounts[] Counts);

/// <summary>An answer's nonzero feature counts (already scaled by the answer's word cap).</summary>
internal sealed record SparseCounts(int[] Index, float[] Weight);
