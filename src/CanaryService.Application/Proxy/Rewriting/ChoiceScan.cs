using System.Buffers;
using System.Text.Json;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>What one entry of <c>choices</c> holds, with the byte range of its text content.</summary>
/// <param name="Index">The choice's <c>index</c> (its position in the array when the field is missing).</param>
/// <param name="ContentStart">Where the content's JSON string (quotes included) starts, or -1 when there is no string content.</param>
/// <param name="ContentLength">The length of that JSON string in bytes, quotes included.</param>
/// <param name="Content">The decoded content, or null.</param>
/// <param name="CarriesStructure">The choice carries tool calls, a function call or a refusal: its text is not marked.</param>
/// <param name="Finished">The choice has a <c>finish_reason</c>.</param>
/// <param name="ReasoningContent">The choice's <c>reasoning_content</c> string (DeepSeek-style reasoning trace), if any.</param>
/// <param name="Reasoning">The choice's <c>reasoning</c> string (the same trace as other servers name it), if any.</param>
internal readonly record struct ChoiceContent(
    int Index, int ContentStart, int ContentLength, string? Content, bool CarriesStructure, bool Finished,
    JsonText? ReasoningContent = null, JsonText? Reasoning = null)
{
    /// <summary>The choice carries reasoning text.</summary>
    public bool HasReasoning => ReasoningContent is not null || Reasoning is not null;
}

/// <summary>
/// Finds, in a chat completion (<c>choices[].message</c>) or a streamed chunk (<c>choices[].delta</c>), each
/// choice's text content and where it sits in the bytes, so a rewriter can replace exactly those strings and
/// copy every other byte as it came.
/// </summary>
internal static class ChoiceScan
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    /// <summary>The bytes that end the run of a string literal that reads as it is: a quote, a backslash, a control character, any non-ASCII byte.</summary>
    private static readonly SearchValues<byte> VerbatimStringStops = SearchValues.Create(
        [(byte)'"', (byte)'\\', .. Enumerable.Range(0, 0x20).Select(b => (byte)b), .. Enumerable.Range(0x80, 0x80).Select(b => (byte)b)]);

    /// <summary>Scans <paramref name="json"/>; false when it is not a JSON object (the caller then passes it on untouched).</summary>
    /// <param name="json">The whole document.</param>
    /// <param name="messageProperty"><c>message</c> for completions, <c>delta</c> for chunks.</param>
    /// <param name="choices">Receives the choices in document order.</param>
    /// <param name="envelope">Receives the byte ranges of the top-level properties other than <c>choices</c> and <c>usage</c> (name through value).</param>
    /// <param name="decodeContent">
    /// False to leave <see cref="ChoiceContent.Content"/> null and only locate the strings (the caller decodes them
    /// with <see cref="TryReadString(ReadOnlySpan{byte}, Span{char}, out int)"/>, which also refuses what cannot be decoded).
    /// </param>
    public static bool TryScan(
        ReadOnlySpan<byte> json,
        ReadOnlySpan<byte> messageProperty,
        List<ChoiceContent> choices,
        List<Range>? envelope = null,
        bool decodeContent = true) =>
        TryScan(json, messageProperty.SequenceEqual("delta"u8) ? ChoiceLayout.ChatDelta : ChoiceLayout.ChatMessage, choices, envelope, decodeContent);

    /// <summary>Scans <paramref name="json"/> with the choices laid out as <paramref name="layout"/> says; false when it is not a JSON object.</summary>
    public static bool TryScan(
        ReadOnlySpan<byte> json,
        ChoiceLayout layout,
        List<ChoiceContent> choices,
        List<Range>? envelope = null,
        bool decodeContent = true)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(choices);
        choices.Clear();
        envelope?.Clear();
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int propertyStart = (int)reader.TokenStartIndex;
                bool isChoices = reader.ValueTextEquals("choices"u8);
                bool isUsage = !isChoices && reader.ValueTextEquals("usage"u8);
                reader.Read();
                if (isChoices && reader.TokenType == JsonTokenType.StartArray)
                {
                    ReadChoices(ref reader, layout, choices, decodeContent);
                }
                else
                {
                    reader.Skip();
                    if (!isChoices && !isUsage)
                    {
                        envelope?.Add(propertyStart..(int)reader.BytesConsumed);
                    }
                }
            }

            return reader.TokenType == JsonTokenType.EndObject;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string with a lone surrogate escape cannot be decoded; pass it on as is.
            choices.Clear();
            envelope?.Clear();
            return false;
        }
    }

    /// <summary>
    /// The length of the JSON string token <paramref name="bytes"/> starts with (quotes included) when its text is its
    /// bytes as they are: ASCII without escapes or control characters, the usual delta. -1 for any other token, which
    /// <see cref="StringTokenLength"/> and <see cref="TryReadString"/> judge. One search instead of their five.
    /// </summary>
    public static int VerbatimStringTokenLength(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes[0] != (byte)'"')
        {
            return -1;
        }

        int stop = bytes[1..].IndexOfAny(VerbatimStringStops);
        return stop >= 0 && bytes[1 + stop] == (byte)'"' ? stop + 2 : -1;
    }

    /// <summary>
    /// The length of the JSON string token <paramref name="bytes"/> starts with (quotes included), or -1 when it does not
    /// start with a whole one. Only finds the closing quote (in any UTF-8, since no byte of a multi-byte character is a
    /// quote or a backslash); <see cref="TryReadString"/> judges the token.
    /// </summary>
    public static int StringTokenLength(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes[0] != (byte)'"')
        {
            return -1;
        }

        int position = 1;
        while (true)
        {
            int stop = bytes[position..].IndexOfAny((byte)'"', (byte)'\\');
            if (stop < 0)
            {
                return -1;
            }

            position += stop;
            if (bytes[position] == (byte)'"')
            {
                return position + 1;
            }

            position += 2; // an escape: the byte after the backslash never ends the string (a \u escape's digits cannot either)
            if (position >= bytes.Length)
            {
                return -1;
            }
        }
    }

    /// <summary>
    /// Unescapes <paramref name="literal"/> into <paramref name="destination"/> when it is exactly one JSON string
    /// token, quotes included; false when it is not, or when <paramref name="destination"/> is shorter than the literal.
    /// </summary>
    public static bool TryReadString(ReadOnlySpan<byte> literal, Span<char> destination, out int length)
    {
        length = 0;
        if (literal.Length < 2 || literal[0] != (byte)'"' || literal[^1] != (byte)'"' || destination.Length < literal.Length)
        {
            return false;
        }

        if (AsciiJsonString.TryRead(literal[1..^1], destination, out length))
        {
            return true;
        }

        var reader = new Utf8JsonReader(literal, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.BytesConsumed != literal.Length)
            {
                return false;
            }

            length = reader.CopyString(destination);
            return true;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // Not one valid string (or a lone surrogate escape): the caller's full scan decides.
            length = 0;
            return false;
        }
    }

    private static void ReadChoices(ref Utf8JsonReader reader, ChoiceLayout layout, List<ChoiceContent> choices, bool decodeContent)
    {
        int position = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                position++;
                continue;
            }

            var choice = new ChoiceReading { Index = position++, ContentStart = -1 };
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("index"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value) && value >= 0)
                    {
                        choice.Index = value;
                    }
                }
                else if (reader.ValueTextEquals("finish_reason"u8))
                {
                    reader.Read();
                    choice.Finished = reader.TokenType == JsonTokenType.String;
                }
                else if (layout.HasMessage && reader.ValueTextEquals(layout.MessageProperty))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        ReadTextProperty(ref reader, layout, ref choice, decodeContent);
                    }
                }
                else if (!layout.HasMessage)
                {
                    ReadTextProperty(ref reader, layout, ref choice, decodeContent);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            choices.Add(new ChoiceContent(choice.Index, choice.ContentStart, choice.ContentLength, choice.Content, choice.Structured, choice.Finished,
                choice.ReasoningContent, choice.Reasoning));
        }
    }

    /// <summary>Reads one property of the object that holds a choice's text (the reader is on its name), noting what the rewriters need.</summary>
    private static void ReadTextProperty(ref Utf8JsonReader reader, ChoiceLayout layout, ref ChoiceReading choice, bool decodeContent)
    {
        if (reader.ValueTextEquals(layout.TextProperty))
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                choice.ContentStart = (int)reader.TokenStartIndex;
                choice.ContentLength = reader.ValueSpan.Length + 2;
                choice.Content = decodeContent ? reader.GetString() : null;
            }
            else
            {
                reader.Skip();
            }
        }
        else if (layout.HasReasoning && reader.ValueTextEquals("reasoning_content"u8))
        {
            choice.ReasoningContent = ReadText(ref reader, decodeContent);
        }
        else if (layout.HasReasoning && reader.ValueTextEquals("reasoning"u8))
        {
            choice.Reasoning = ReadText(ref reader, decodeContent);
        }
        else if (layout.HasMessage && (reader.ValueTextEquals("tool_calls"u8) || reader.ValueTextEquals("function_call"u8)
            || reader.ValueTextEquals("refusal"u8)))
        {
            reader.Read();
            choice.Structured |= reader.TokenType switch
            {
                JsonTokenType.Null => false,
                JsonTokenType.String => reader.ValueSpan.Length > 0,
                JsonTokenType.StartArray => !IsEmptyArray(ref reader),
                _ => true,
            };
            reader.Skip();
        }
        else
        {
            reader.Read();
            reader.Skip();
        }
    }

    /// <summary>The string value after the property name the reader is on, or null (value skipped) when it is not a string.</summary>
    private static JsonText? ReadText(ref Utf8JsonReader reader, bool decode)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return null;
        }

        return new JsonText((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2, decode ? reader.GetString() : null);
    }

    private static bool IsEmptyArray(ref Utf8JsonReader reader)
    {
        // Looks one token ahead on a copy; the caller skips the array from its start.
        Utf8JsonReader probe = reader;
        return probe.Read() && probe.TokenType == JsonTokenType.EndArray;
    }

    /// <summary>What <see cref="ReadChoices"/> learns about one choice as it reads it.</summary>
    private struct ChoiceReading
    {
        public int Index;
        public int ContentStart;
        public int ContentLength;
        public string? Content;
        public bool Structured;
        public bool Finished;
        public JsonText? ReasoningContent;
        public JsonText? Reasoning;
    }
}
