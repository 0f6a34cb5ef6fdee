using CanaryService.Core.Marking;

namespace CanaryService.Api.Proxy.Rewriting;

/// <summary>What a generated text is: the answer (may carry the phrase canary) or a reasoning trace (never does).</summary>
internal enum TextRole
{
    /// <summary>The answer's prose.</summary>
    Answer,

    /// <summary>A reasoning trace or its summary: the lexical watermark only.</summary>
    Reasoning,
}

/// <summary>
/// Which text of a response a string is: the output item it belongs to, the kind of part (<c>c</c> a content part,
/// <c>s</c> a reasoning summary part) and the part's position. A plain body, each delta and each event that repeats
/// the text name the same slot, so they are marked as one text.
/// </summary>
internal readonly record struct TextSlot(int Output, char Part, int Index);

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

/// <summary>
/// Gives each slot of one response the choice index the marker is given: the first answer slot 0 (the only one that
/// may carry the phrase canary), later answer slots 1, 2, ..., reasoning <see cref="ResponseMarking.WithoutCanary"/>.
/// </summary>
internal sealed class SlotIndices
{
    private readonly Dictionary<TextSlot, int> _indices = [];
    private int _nextAnswer;

    public int Of(TextSlot slot, TextRole role)
    {
        if (!_indices.TryGetValue(slot, out int index))
        {
            index = role == TextRole.Reasoning ? ResponseMarking.WithoutCanary : _nextAnswer++;
            _indices[slot] = index;
        }

        return index;
    }
}
