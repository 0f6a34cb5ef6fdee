using System.IO.Compression;
using System.Text.Json;

namespace CanaryService.LexiconTool;

/// <summary>One real answer of the development corpus: the model, the prompt, the output and its line in the model's file (from 1).</summary>
internal sealed record RealAnswer(string Model, string Prompt, string Output, int Line);

/// <summary>
/// Reads the real model outputs (<c>*.jsonl.gz</c>, one <c>{"prompt","output"}</c> object a line, one file a model).
/// Evaluation data under a non-commercial licence: read in place, never copied into the repository.
/// </summary>
internal static class RealCorpus
{
    /// <summary>The models the shipped lexicon was not tuned on: the judged samples and audits are drawn from these.</summary>
    public static readonly IReadOnlySet<string> HeldOut = new HashSet<string>(StringComparer.Ordinal)
    {
        "gemini-pro", "cohere", "mistral-large-2402", "yi-large-preview", "Qwen2-72B-Instruct",
        "Meta-Llama-3.1-405B-Instruct-Turbo", "dbrx-instruct", "jina-chat",
    };

    /// <summary>Every model's file in <paramref name="folder"/>, by model name.</summary>
    public static IReadOnlyList<string> Models(string folder) =>
        [.. Directory.GetFiles(folder, "*.jsonl.gz").Select(f => Path.GetFileName(f)[..^".jsonl.gz".Length]).Order(StringComparer.Ordinal)];

    /// <summary>The answers of the chosen models, in file order.</summary>
    public static IEnumerable<RealAnswer> Read(string folder, Func<string, bool> includeModel)
    {
        foreach (string model in Models(folder).Where(includeModel))
        {
            using var file = File.OpenRead(Path.Combine(folder, model + ".jsonl.gz"));
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip);
            int lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }

                using var doc = JsonDocument.Parse(line);
                string prompt = doc.RootElement.TryGetProperty("prompt", out var p) ? p.GetString() ?? "" : "";
                string output = doc.RootElement.TryGetProperty("output", out var o) ? o.GetString() ?? "" : "";
                yield return new RealAnswer(model, prompt, output, lineNumber);
            }
        }
    }

    /// <summary>A model's family: its developer's sizes and versions together.</summary>
    public static string Family(string model)
    {
        string m = model.ToLowerInvariant();
        string[] families = ["llama", "mistral", "mixtral", "qwen", "gemma", "tulu", "yi", "zephyr", "xwinlm", "phi", "nanbeige"];
        foreach (string f in families)
        {
            if (m.Contains(f, StringComparison.Ordinal))
            {
                return f is "mixtral" ? "mistral" : f;
            }
        }

        return model;
    }

    /// <summary>Words in a text (runs of letters), for per-1,000-word rates.</summary>
    public static int CountWords(string text)
    {
        int words = 0;
        bool inWord = false;
        foreach (char c in text)
        {
            bool letter = char.IsLetter(c);
            if (letter && !inWord)
            {
                words++;
            }

            inWord = letter;
        }

        return words;
    }
}
