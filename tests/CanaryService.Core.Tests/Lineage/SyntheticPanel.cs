using CanaryService.Core.Lineage;

namespace CanaryService.Core.Tests.Lineage;

/// <summary>
/// Synthetic models that answer synthetic prompts: every answer mixes the prompt's topic words (shared by all models,
/// so the panel cancels them) with the model's own style words, drawn from its preference weights. A student copies a
/// teacher's preferences with multiplicative noise. Words are letters only (the tokenizer drops digits).
/// </summary>
internal sealed class SyntheticPanel
{
    private const int TopicWords = 400;
    private const int WordsPerTopic = 12;
    private readonly Dictionary<string, double[]> _cumulative = new(StringComparer.Ordinal);

    public SyntheticPanel(int styleWords) => StyleWords = styleWords;

    public int StyleWords { get; }

    public IReadOnlyCollection<string> Models => _cumulative.Keys;

    /// <summary>Preferences drawn at random: log-normal weights with spread <paramref name="spread"/>.</summary>
    public double[] RandomPreferences(Random random, double spread) =>
        [.. Enumerable.Range(0, StyleWords).Select(_ => Math.Exp(spread * Normal(random)))];

    /// <summary><paramref name="teacher"/>'s preferences, each weight multiplied by exp(noise · N(0,1)).</summary>
    public static double[] Copy(double[] teacher, Random random, double noise) =>
        [.. teacher.Select(w => w * Math.Exp(noise * Normal(random)))];

    public void Add(string model, double[] preferences)
    {
        double total = preferences.Sum();
        double[] cumulative = new double[preferences.Length];
        double running = 0;
        for (int i = 0; i < preferences.Length; i++)
        {
            running += preferences[i] / total;
            cumulative[i] = running;
        }

        _cumulative[model] = cumulative;
    }

    /// <summary>Every model's answer to <paramref name="prompts"/> new prompts (prompt i is "prompt {seed} {i}").</summary>
    public List<LineageSample> Answer(int prompts, Random random, double styleShare = 0.5)
    {
        List<LineageSample> samples = [];
        for (int p = 0; p < prompts; p++)
        {
            string prompt = $"prompt {random.Next()} {p}";
            int[] topic = [.. Enumerable.Range(0, WordsPerTopic).Select(_ => random.Next(TopicWords))];
            foreach ((string model, double[] cumulative) in _cumulative)
            {
                int length = 60 + random.Next(140);
                var words = new List<string>(length);
                for (int w = 0; w < length; w++)
                {
                    words.Add(random.NextDouble() < styleShare
                        ? Word('s', Draw(cumulative, random.NextDouble()))
                        : Word('t', topic[random.Next(topic.Length)]));
                }

                samples.Add(new LineageSample(model, prompt, string.Join(' ', words) + "."));
            }
        }

        return samples;
    }

    private static int Draw(double[] cumulative, double u)
    {
        int index = Array.BinarySearch(cumulative, u);
        return Math.Min(index < 0 ? ~index : index, cumulative.Length - 1);
    }

    // Distinct letter-only words: a prefix letter and the index in base 26.
    private static string Word(char prefix, int index)
    {
        Span<char> buffer = stackalloc char[8];
        int length = 0;
        buffer[length++] = prefix;
        do
        {
            buffer[length++] = (char)('a' + (index % 26));
            index /= 26;
        }
        while (index > 0);
        return new string(buffer[..length]);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
