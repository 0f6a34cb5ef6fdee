using System.IO.Compression;
using System.Text.Json;

namespace CanaryService.Benchmarks.Corpus;

/// <summary>
/// Reads one model's recorded answers: a <c>*.jsonl.gz</c> file of <c>{"prompt","output"}</c> lines, as in
/// <c>../shared/data/model-outputs</c> (evaluation data: read, never copied into the repository).
/// </summary>
internal static class CorpusAnswers
{
    /// <summary>The (prompt, answer) pairs of the file, in order; lines without an answer are skipped.</summary>
    public static IReadOnlyList<(string Prompt, string Answer)> Read(string path)
    {
        using FileStream file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var answers = new List<(string, string)>();
        while (reader.ReadLine() is { } line)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            if (document.RootElement.TryGetProperty("output", out JsonElement output) && output.GetString() is { Length: > 0 } text)
            {
                string prompt = document.RootElement.TryGetProperty("prompt", out JsonElement p) ? p.GetString() ?? "" : "";
                answers.Add((prompt, text));
            }
        }

        return answers;
    }
}
