using System.Text;
using CanaryService.Drill.Serving;

namespace CanaryService.Drill.Students;

/// <summary>One (prompt, answer) pair a student learns from.</summary>
internal sealed record TrainingPair(string Prompt, string Answer);

/// <summary>
/// A small distilled "student" language model: retrieval plus n-grams, in the manner of a kNN-LM. For a
/// prompt it retrieves the most similar training prompt (IDF-weighted word overlap), then samples tokens
/// from a mixture of a trigram model of the retrieved answer (weight <see cref="LocalWeight"/>, backing off to its
/// bigrams, which lets the student find its way back after a detour) and a
/// trigram model of the whole training set (backing off to bigrams and unigrams). So, like a real
/// student, it reproduces what it was taught about a topic, in its teacher's wording, with drift.
/// </summary>
internal sealed class RetrievalNGramStudent : IChatResponder
{
    /// <summary>Weight of the retrieved answer's trigrams in the sampling mixture.</summary>
    public const double LocalWeight = 0.95;

    private const int Begin = 0;
    private const int End = 1;

    private readonly List<string> _vocabulary = ["<s>", "</s>"];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<int[]> _answers = [];
    private readonly List<HashSet<string>> _promptWords = [];
    private readonly Dictionary<string, double> _idf = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Dictionary<int, int>> _trigrams = [];
    private readonly Dictionary<int, Dictionary<int, int>> _bigrams = [];
    private readonly Dictionary<int, int> _unigrams = [];
    private readonly int _seed;

    /// <summary>Trains a student on <paramref name="training"/>; <paramref name="seed"/> fixes its sampling.</summary>
    public RetrievalNGramStudent(IEnumerable<TrainingPair> training, int seed)
    {
        ArgumentNullException.ThrowIfNull(training);
        _seed = seed;
        foreach (TrainingPair pair in training)
        {
            int[] tokens = [Begin, Begin, .. TextTokens.Split(pair.Answer).Select(Intern), End];
            _answers.Add(tokens);
            _promptWords.Add(TextTokens.ContentWords(pair.Prompt).ToHashSet(StringComparer.Ordinal));
            for (int i = 2; i < tokens.Length; i++)
            {
                Increment(_trigrams, Key(tokens[i - 2], tokens[i - 1]), tokens[i]);
                Increment(_bigrams, tokens[i - 1], tokens[i]);
                _unigrams[tokens[i]] = _unigrams.GetValueOrDefault(tokens[i]) + 1;
            }
        }

        if (_answers.Count == 0)
        {
            throw new ArgumentException("A student needs at least one training pair.", nameof(training));
        }

        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string word in _promptWords.SelectMany(w => w))
        {
            documentFrequency[word] = documentFrequency.GetValueOrDefault(word) + 1;
        }

        foreach ((string word, int df) in documentFrequency)
        {
            _idf[word] = Math.Log(1.0 + (_answers.Count / (double)df));
        }
    }

    /// <summary>How many pairs it was trained on.</summary>
    public int TrainingSize => _answers.Count;

    /// <inheritdoc />
    public string Respond(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        int[] local = _answers[Retrieve(prompt)];
        var localTrigrams = new Dictionary<long, Dictionary<int, int>>();
        var localBigrams = new Dictionary<int, Dictionary<int, int>>();
        for (int i = 2; i < local.Length; i++)
        {
            Increment(localTrigrams, Key(local[i - 2], local[i - 1]), local[i]);
            Increment(localBigrams, local[i - 1], local[i]);
        }

        var random = new Random(_seed ^ StableHash(prompt));
        var output = new StringBuilder();
        int a = Begin, b = Begin;
        int limit = (local.Length * 3 / 2) + 20;
        int shortest = local.Length * 4 / 5;
        for (int n = 0; n < limit; n++)
        {
            // Like a model with a length prior: it does not stop far short of the answer it recalls.
            int next = Sample(random, localTrigrams.GetValueOrDefault(Key(a, b)) ?? localBigrams.GetValueOrDefault(b), a, b, allowEnd: n >= shortest);
            if (next == End)
            {
                break;
            }

            output.Append(_vocabulary[next]);
            (a, b) = (b, next);
        }

        return output.ToString().Trim();
    }

    private int Retrieve(string prompt)
    {
        string[] words = TextTokens.ContentWords(prompt).Distinct().ToArray();
        int best = 0;
        double bestScore = -1;
        for (int i = 0; i < _promptWords.Count; i++)
        {
            double score = 0;
            foreach (string word in words)
            {
                if (_promptWords[i].Contains(word))
                {
                    score += _idf[word];
                }
            }

            // Prefer the tighter match when two prompts share the same words.
            score -= 1e-3 * _promptWords[i].Count;
            if (score > bestScore)
            {
                (best, bestScore) = (i, score);
            }
        }

        return best;
    }

    private int Sample(Random random, Dictionary<int, int>? local, int a, int b, bool allowEnd)
    {
        Dictionary<int, int> global = _trigrams.GetValueOrDefault(Key(a, b)) ?? _bigrams.GetValueOrDefault(b) ?? _unigrams;
        Dictionary<int, int> source = local is not null && random.NextDouble() < LocalWeight ? local : global;
        int total = source.Where(p => allowEnd || p.Key != End).Sum(p => p.Value);
        if (total == 0 && source != global)
        {
            (source, total) = (global, global.Where(p => allowEnd || p.Key != End).Sum(p => p.Value));
        }

        if (total == 0)
        {
            return End;
        }

        int pick = random.Next(total);
        foreach ((int token, int count) in source)
        {
            if (!allowEnd && token == End)
            {
                continue;
            }

            pick -= count;
            if (pick < 0)
            {
                return token;
            }
        }

        return End;
    }

    private int Intern(string token)
    {
        if (!_ids.TryGetValue(token, out int id))
        {
            id = _vocabulary.Count;
            _vocabulary.Add(token);
            _ids[token] = id;
        }

        return id;
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    private static void Increment<TKey>(Dictionary<TKey, Dictionary<int, int>> table, TKey key, int token)
        where TKey : notnull
    {
        if (!table.TryGetValue(key, out Dictionary<int, int>? counts))
        {
            table[key] = counts = [];
        }

        counts[token] = counts.GetValueOrDefault(token) + 1;
    }

    // FNV-1a: string.GetHashCode differs between processes, and a drill must be reproducible.
    private static int StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }

        return unchecked((int)hash);
    }
}
