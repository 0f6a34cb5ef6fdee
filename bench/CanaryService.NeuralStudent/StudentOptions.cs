using System.Globalization;

namespace CanaryService.NeuralStudent;

/// <summary>The neural student's command-line options.</summary>
internal sealed record StudentOptions
{
    public const string Usage = """
        Usage: CanaryService.NeuralStudent --training FILE --port N [options]

        Trains a small decoder-only transformer on FILE (JSON lines with "prompt" and "answer") on the CPU for a
        time budget, then serves POST /v1/chat/completions on 127.0.0.1:N, answering the last user message by
        sampling. It prints "listening on URL" once it serves.

        Options:
          --minutes M       training time budget (default 4)
          --seed N          seed for the initialisation, the batches and the sampling (default 1)
          --threads N       torch threads (default 1)
          --vocab N         vocabulary size, specials and characters included (default 6000)
          --dim N           model width (default 128)
          --layers N        transformer layers (default 2)
          --context N       context length in tokens (default 256)
          --batch N         sequences per step (default 12)
          --max-tokens N    most tokens sampled per answer (default 500)
          --temperature T   sampling temperature (default 0.7)
          --top-k N         sampling top-k (default 40)
        """;

    public required string TrainingPath { get; init; }

    public required int Port { get; init; }

    public TimeSpan TrainingBudget { get; init; } = TimeSpan.FromMinutes(4);

    public int Seed { get; init; } = 1;

    public int Threads { get; init; } = 1;

    public int VocabularySize { get; init; } = 6000;

    public int Dimension { get; init; } = 128;

    public int Layers { get; init; } = 2;

    public int Context { get; init; } = 256;

    public int Batch { get; init; } = 12;

    public int MaxTokens { get; init; } = 500;

    public double Temperature { get; init; } = 0.7;

    public int TopK { get; init; } = 40;

    /// <summary>Parses the command line.</summary>
    /// <exception cref="ArgumentException">An option is unknown, lacks its value or is out of range.</exception>
    public static StudentOptions Parse(IReadOnlyList<string> args)
    {
        string? training = null;
        int? port = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}' (every option takes a value).");
            }

            values[args[i]] = args[++i];
        }

        int Number(string name, int fallback, int min, int max)
        {
            if (!values.Remove(name, out string? text))
            {
                return fallback;
            }

            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
                ? n
                : throw new ArgumentException($"Option {name} must be a whole number from {min} to {max} (got '{text}').");
        }

        double Real(string name, double fallback, double min, double max)
        {
            if (!values.Remove(name, out string? text))
            {
                return fallback;
            }

            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) && r >= min && r <= max
                ? r
                : throw new ArgumentException($"Option {name} must be a number from {min} to {max} (got '{text}').");
        }

        if (values.Remove("--training", out string? path))
        {
            training = path;
        }

        port = Number("--port", -1, 1, 65535);
        var options = new StudentOptions
        {
            TrainingPath = training ?? throw new ArgumentException("Option --training is required."),
            Port = port > 0 ? port.Value : throw new ArgumentException("Option --port is required."),
            TrainingBudget = TimeSpan.FromMinutes(Real("--minutes", 4, 0.05, 600)),
            Seed = Number("--seed", 1, int.MinValue, int.MaxValue),
            Threads = Number("--threads", 1, 1, 64),
            VocabularySize = Number("--vocab", 6000, 300, 100_000),
            Dimension = Number("--dim", 128, 32, 1024),
            Layers = Number("--layers", 2, 1, 12),
            Context = Number("--context", 256, 64, 2048),
            Batch = Number("--batch", 12, 1, 256),
            MaxTokens = Number("--max-tokens", 500, 1, 4000),
            Temperature = Real("--temperature", 0.7, 0.01, 5),
            TopK = Number("--top-k", 40, 1, 100_000),
        };

        return values.Count == 0 ? options : throw new ArgumentException($"Unknown option '{values.Keys.First()}'.");
    }
}
