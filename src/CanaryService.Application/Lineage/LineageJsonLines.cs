using System.Text.Json;
using CanaryService.Core.Lineage;

namespace CanaryService.Application.Lineage;

/// <summary>A line of lineage samples that cannot be read, with its 1-based line number.</summary>
/// <param name="Line">The line number.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record LineageLineError(int Line, string Message);

/// <summary>
/// Reads lineage samples as JSON lines: <c>{"model","prompt","output"}</c> per line (the upload), or
/// <c>{"prompt","output"}</c> with the model given (a file per model). Blank lines are skipped; other properties are ignored.
/// </summary>
public static class LineageJsonLines
{
    /// <summary>The longest model name accepted (names become blob paths and report labels).</summary>
    public const int MaxModelLength = 200;

    /// <summary>
    /// Parses every line of <paramref name="text"/>. Returns the samples, or the first malformed line (so a rejected
    /// upload stores nothing and the caller can fix the line and send it all again).
    /// </summary>
    public static (IReadOnlyList<LineageSample> Samples, LineageLineError? Error) Parse(string text, string? model = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<LineageSample> samples = [];
        int number = 0;
        foreach (ReadOnlySpan<char> line in text.AsSpan().EnumerateLines())
        {
            number++;
            if (line.IsWhiteSpace())
            {
                continue;
            }

            (LineageSample? sample, string? error) = ParseLine(line, model);
            if (sample is null)
            {
                return (samples, new LineageLineError(number, error!));
            }

            samples.Add(sample);
        }

        return (samples, null);
    }

    /// <summary>Parses one line; <paramref name="model"/>, when given, is the model of every line (a line's own "model" is then ignored).</summary>
    public static (LineageSample? Sample, string? Error) ParseLine(ReadOnlySpan<char> line, string? model)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.ToString());
        }
        catch (JsonException ex)
        {
            return (null, "not valid JSON (" + ex.Message + ")");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, "expected a JSON object with \"model\", \"prompt\" and \"output\"");
            }

            string? name = model;
            if (name is null)
            {
                (name, string? modelError) = String(document.RootElement, "model");
                if (modelError is not null)
                {
                    return (null, modelError);
                }
            }

            if (string.IsNullOrWhiteSpace(name) || name.Length > MaxModelLength || name.Any(char.IsControl))
            {
                return (null, $"\"model\" must be a non-empty name of at most {MaxModelLength} characters without control characters");
            }

            (string? prompt, string? promptError) = String(document.RootElement, "prompt");
            if (promptError is not null)
            {
                return (null, promptError);
            }

            (string? output, string? outputError) = String(document.RootElement, "output");
            return outputError is not null ? (null, outputError) : (new LineageSample(name.Trim(), prompt!, output!), null);
        }
    }

    private static (string? Value, string? Error) String(JsonElement element, string property) =>
        !element.TryGetProperty(property, out JsonElement value) ? (null, $"missing \"{property}\"")
        : value.ValueKind != JsonValueKind.String ? (null, $"\"{property}\" must be a string")
        : (value.GetString(), null);
}
