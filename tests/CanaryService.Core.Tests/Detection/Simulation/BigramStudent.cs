namespace CanaryService.Core.Tests.Detection.Simulation;

/// <summary>
/// A distilled model in miniature: a bigram language model over whitespace tokens, trained on a teacher's answers
/// and sampled. It learns exactly which word follows which, so if the teacher's answers were marked it inherits the
/// keyed choices for the contexts it saw; if they were not, it inherits only the teacher's own habits.
/// </summary>
internal sealed class BigramStudent
{
    private const string Start = "\u0002";
    private const string End = "\u0003";
    private readonly Dictionary<string, (string[] Next, int[] Cumulative)> _model;

    private BigramStudent(Dictionary<string, (string[], int[])> model) => _model = model;

    public static BigramStudent Train(IEnumerable<string> answers)
    {
        var counts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (string answer in answers)
        {
            string previous = Start;
            foreach (string token in Tokenize(answer).Append(End))
            {
                if (!counts.TryGetValue(previous, out var next))
                {
                    counts[previous] = next = new Dictionary<string, int>(StringComparer.Ordinal);
                }

                next[token] = next.GetValueOrDefault(token) + 1;
                previous = token;
            }
        }

        var model = new Dictionary<string, (string[], int[])>(StringComparer.Ordinal);
        foreach (var (token, next) in counts)
        {
            var ordered = next.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
            int total = 0;
            model[token] = (ordered.Select(kv => kv.Key).ToArray(), ordered.Select(kv => total += kv.Value).ToArray());
        }

        return new BigramStudent(model);
    }

    /// <summary>Samples answers until they hold at least <paramref name="words"/> words in total.</summary>
    public IReadOnlyList<string> Generate(int words, int seed)
    {
        var random = new Random(seed);
        var answers = new List<string>();
        int written = 0;
        while (written < words)
        {
            var tokens = new List<string>();
            string previous = Start;
            while (tokens.Count < 2_000)
            {
                var (next, cumulative) = _model[previous];
                int pick = random.Next(cumulative[^1]);
                int index = Array.BinarySearch(cumulative, pick + 1);
                string token = next[index < 0 ? ~index : index];
                if (token == End)
                {
                    break;
                }

                tokens.Add(token);
                previous = token;
            }

            written += tokens.Count(t => t != "\n");
            answers.Add(string.Join(' ', tokens).Replace(" \n ", "\n", StringComparison.Ordinal));
        }

        return answers;
    }

    // Words with their punctuation attached; line breaks kept as tokens so paragraphs survive.
    private static IEnumerable<string> Tokenize(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            foreach (string word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return word;
            }

            yield return "\n";
        }
    }
}
