namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// One place where generated text sits: the path to the string, its role, and how its <see cref="TextSlot"/> is read
/// (<c>#n</c>: the n-th array position on the path; a name: that integer property of the event's root).
/// </summary>
internal sealed record TextRule(JsonTextPath Path, TextRole Role, char Part, string OutputIndex, string PartIndex)
{
    /// <summary>An answer's text at <paramref name="path"/>.</summary>
    public static TextRule Answer(string path, char part, string outputIndex, string partIndex) =>
        new(JsonTextPath.Parse(path), TextRole.Answer, part, outputIndex, partIndex);

    /// <summary>A reasoning text at <paramref name="path"/>.</summary>
    public static TextRule Reasoning(string path, char part, string outputIndex, string partIndex) =>
        new(JsonTextPath.Parse(path), TextRole.Reasoning, part, outputIndex, partIndex);

    /// <summary>The slot of a found string; null when an index it needs is missing (the string then passes as it is).</summary>
    public TextSlot? SlotOf(FoundText found, IReadOnlyDictionary<string, int> rootIntegers)
    {
        ArgumentNullException.ThrowIfNull(rootIntegers);
        int? output = Read(OutputIndex, found, rootIntegers);
        int? index = Read(PartIndex, found, rootIntegers);
        return output is { } o && index is { } i ? new TextSlot(o, Part, i) : null;
    }

    private static int? Read(string source, FoundText found, IReadOnlyDictionary<string, int> rootIntegers)
    {
        if (source.StartsWith('#'))
        {
            int position = source[1] - '0';
            return position < found.Positions.Length ? found.Positions[position] : null;
        }

        return rootIntegers.TryGetValue(source, out int value) ? value : null;
    }
}
