using System.Buffers;
using System.Text.Json;
using CanaryService.Core.Marking;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Marks the texts that a set of <see cref="TextRule"/>s names in one JSON document (a Responses API response object)
/// and copies every other byte as it came. A response that asked for structured output (<c>text.format</c> of type
/// <c>json_schema</c> or <c>json_object</c>) is left as it is.
/// </summary>
internal sealed class ResponseBodyRewriter
{
    private readonly IReadOnlyList<TextRule> _rules;
    private readonly JsonTextFinder _finder;
    private readonly List<FoundText> _found = [];

    public ResponseBodyRewriter(IReadOnlyList<TextRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules;
        _finder = new JsonTextFinder(JsonTextPathSet.Of(rules));
    }

    /// <summary>
    /// Writes the marked document to <paramref name="output"/> and returns 1 when it had text to mark, 0 when not; -1
    /// (nothing written) when it is not a JSON object, a string cannot be decoded, or it is structured output.
    /// </summary>
    public int Rewrite(ReadOnlySpan<byte> json, ResponseMarking marking, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(marking);
        ArgumentNullException.ThrowIfNull(output);
        if (!_finder.TryFind(json, _found) || IsStructuredOutput(json))
        {
            return -1;
        }

        // Decoded first, so one string that cannot be (a lone surrogate escape) leaves the whole document as it came.
        var texts = new List<(FoundText Found, TextRule Rule, TextSlot Slot, string Text)>(_found.Count);
        foreach (FoundText found in _found)
        {
            TextRule rule = _rules[found.PathIndex];
            if (rule.SlotOf(found, _finder.RootIntegers) is not { } slot)
            {
                continue;
            }

            char[] decoded = new char[found.Length];
            if (!ChoiceScan.TryReadString(json.Slice(found.Start, found.Length), decoded, out int length))
            {
                return -1;
            }

            texts.Add((found, rule, slot, new string(decoded, 0, length)));
        }

        var indices = new SlotIndices();
        int copied = 0;
        bool marked = false;
        foreach ((FoundText found, TextRule rule, TextSlot slot, string text) in texts)
        {
            marked |= text.Length > 0;
            string result = marking.MarkText(text, indices.Of(slot, rule.Role));
            if (string.Equals(result, text, StringComparison.Ordinal))
            {
                continue;
            }

            output.Write(json[copied..found.Start]);
            JsonStringSplice.WriteString(output, result);
            copied = found.Start + found.Length;
        }

        output.Write(json[copied..]);
        return marked ? 1 : 0;
    }

    /// <summary>
    /// The response says it is structured output (<c>text.format.type</c>): its text is JSON for a program and is never
    /// marked. A created request says so too, but a fetched response is only known by its body.
    /// </summary>
    internal static bool IsStructuredOutput(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            return IsStructuredOutput(document.RootElement);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>As <see cref="IsStructuredOutput(ReadOnlySpan{byte})"/>, for a response object already parsed.</summary>
    internal static bool IsStructuredOutput(JsonElement response) =>
        response.ValueKind == JsonValueKind.Object
        && response.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.Object
        && text.TryGetProperty("format", out JsonElement format) && format.ValueKind == JsonValueKind.Object
        && format.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String
        && (type.ValueEquals("json_schema") || type.ValueEquals("json_object"));
}
