namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Where a generated text sits in a JSON document, written as the API documents it:
/// <c>output[](message).content[](output_text).text</c> is the <c>text</c> string of every <c>content</c> element
/// whose <c>type</c> is <c>output_text</c>, inside every <c>output</c> element whose <c>type</c> is <c>message</c>.
/// </summary>
/// <remarks>
/// Segments are separated by dots; <c>[]</c> after a name means every element of that array, and <c>(t)</c> means only
/// objects whose <c>type</c> is <c>t</c>. The last segment names the string. The path starts at the document's root
/// object and matches at exactly its depth. The array positions passed on the way are captured, in order, so that a
/// text can be told apart from its neighbours (<c>#0</c> is the position in <c>output</c> above).
/// </remarks>
internal sealed class JsonTextPath
{
    private JsonTextPath(string path, Step[] steps, string leaf)
    {
        Path = path;
        Steps = steps;
        Leaf = leaf;
    }

    /// <summary>The path as written.</summary>
    public string Path { get; }

    /// <summary>The containers from the root to the string, in order.</summary>
    internal Step[] Steps { get; }

    /// <summary>The property that holds the string.</summary>
    internal string Leaf { get; }

    /// <summary>How many array positions a match captures.</summary>
    public int Captures => Steps.Count(static s => s.Elements);

    /// <summary>Reads a path; throws on a malformed one (paths are constants of the code).</summary>
    public static JsonTextPath Parse(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string[] segments = path.Split('.');
        var steps = new Step[segments.Length - 1];
        for (int i = 0; i < steps.Length; i++)
        {
            string segment = segments[i];
            string? type = null;
            int open = segment.IndexOf('(', StringComparison.Ordinal);
            if (open >= 0)
            {
                if (!segment.EndsWith(')'))
                {
                    throw new FormatException($"'{path}': a type filter must close the segment.");
                }

                type = segment[(open + 1)..^1];
                segment = segment[..open];
            }

            bool elements = segment.EndsWith("[]", StringComparison.Ordinal);
            string name = elements ? segment[..^2] : segment;
            if (name.Length == 0)
            {
                throw new FormatException($"'{path}': every segment needs a name.");
            }

            steps[i] = new Step(name, elements, type);
        }

        if (segments[^1].Length == 0 || segments[^1].IndexOfAny(['[', '(']) >= 0)
        {
            throw new FormatException($"'{path}': the last segment names the string.");
        }

        return new JsonTextPath(path, steps, segments[^1]);
    }

    /// <inheritdoc />
    public override string ToString() => Path;

    /// <summary>One container on the way: the property it sits under, whether its elements are meant, and the type its object(s) must have.</summary>
    internal readonly record struct Step(string Name, bool Elements, string? Type);
}
