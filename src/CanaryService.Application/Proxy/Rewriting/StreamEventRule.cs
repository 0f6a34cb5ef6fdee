namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// What one kind of streamed event (by its <c>type</c>) carries: a delta (the next piece of one slot's text) or
/// repeats (slots' whole texts, which must read as the concatenation of the marked deltas sent for them).
/// </summary>
internal sealed class StreamEventRule
{
    private StreamEventRule(string eventType, bool isDelta, TextRule[] texts)
    {
        EventType = eventType;
        IsDelta = isDelta;
        Texts = texts;
        PathSet = JsonTextPathSet.Of(texts);
        CarriesResponse = texts.Any(static t => t.Path.Path.StartsWith("response.", StringComparison.Ordinal));
    }

    /// <summary>The event carries the response object (whose <c>text.format</c> says whether it is structured output).</summary>
    public bool CarriesResponse { get; }

    /// <summary>The event's <c>type</c>.</summary>
    public string EventType { get; }

    /// <summary>True for a delta event (one text, the next piece of its slot).</summary>
    public bool IsDelta { get; }

    /// <summary>Where its texts sit.</summary>
    public IReadOnlyList<TextRule> Texts { get; }

    /// <summary>The paths of <see cref="Texts"/>, in the same order, prepared for a <see cref="JsonTextFinder"/>.</summary>
    public JsonTextPathSet PathSet { get; }

    public static StreamEventRule Delta(string eventType, TextRule text) => new(eventType, isDelta: true, [text]);

    public static StreamEventRule Repeat(string eventType, params TextRule[] texts) => new(eventType, isDelta: false, texts);
}
