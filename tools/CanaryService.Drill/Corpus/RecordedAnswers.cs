using System.IO.Compression;
using System.Text.Json;

namespace CanaryService.Drill.Corpus;

/// <summary>One recorded (prompt, answer) pair of a real model, and the file it came from.</summary>
internal sealed record RecordedAnswer(string Prompt, string Answer, string Source);

/// <summary>
/// Real model answers read from JSON lines, one object a line with <c>prompt</c> and <c>output</c> (or
/// <c>answer</c>), plain or gzip-compressed (<c>.jsonl</c>, <c>.jsonl.gz</c>): the shape of the AlpacaEval model
/// outputs and of any export of an API's logs. The drill reads them to run on real text instead of its generated
/// corpus.
/// </summary>
internal static class RecordedAnswers
{
    /// <summary>
    /// Reads one file, or every <c>*.jsonl</c> and <c>*.jsonl.gz</c> file of a folder (in name order) except
    /// <paramref name="exclude"/>. Lines without a prompt or an answer, and empty answers, are skipped; the first answer
    /// to a prompt in a file wins.
    /// </summary>
    /// <exception cref="DrillUsageException">The path does not exist, holds no such file, a line is not JSON, or nothing usable was found.</exception>
    public static IReadOnlyList<RecordedAnswer> Load(string path, string? exclude = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string[] files;
        if (Directory.Exists(path))
        {
            string? excluded = exclude is null ? null : Path.GetFullPath(exclude);
            files = [.. Directory.EnumerateFiles(path)
                .Where(f => f.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase))
                .Where(f => !string.Equals(Path.GetFullPath(f), excluded, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)];
            if (files.Length == 0)
            {
                throw new DrillUsageException($"The folder {path} holds no .jsonl or .jsonl.gz file of answers.");
            }
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new DrillUsageException($"No file or folder of recorded answers at {path}.");
        }

        var answers = new List<RecordedAnswer>();
        foreach (string file in files)
        {
            answers.AddRange(ReadFile(file));
        }

        return answers.Count > 0 ? answers : throw new DrillUsageException($"No (prompt, answer) pair found in {path}.");
    }

    private static List<RecordedAnswer> ReadFile(string file)
    {
        var answers = new List<RecordedAnswer>();
        var prompts = new HashSet<string>(StringComparer.Ordinal);
        string source = Path.GetFileName(file);
        using Stream stream = File.OpenRead(file);
        using Stream content = file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
        using var reader = new StreamReader(content);
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using JsonDocument document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && Text(document.RootElement, "prompt") is { } prompt
                    && (Text(document.RootElement, "output") ?? Text(document.RootElement, "answer")) is { } answer
                    && prompts.Add(prompt))
                {
                    answers.Add(new RecordedAnswer(prompt, answer, source));
                }
            }
            catch (JsonException ex)
            {
                throw new DrillUsageException($"{file}, line {lineNumber}, is not JSON: {ex.Message}");
            }
        }

        return answers;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString() is { } text && text.Trim().Length > 0
            ? text.Trim()
            : null;
}
