using System.Buffers;
using System.Text.Json;
using CanaryService.Core.Marking;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Marks a list of stored chat completions (<c>GET /v1/chat/completions</c>: <c>{"object":"list","data":[..]}</c>): each
/// completion of <c>data</c> is marked as it was when it was created, and each one with text counts as one response
/// issued. Every byte outside the completions' texts is copied as it came.
/// </summary>
internal static class ChatCompletionListRewriter
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    /// <summary>
    /// Writes the marked list to <paramref name="output"/>, adding the marked choices of each marked completion to
    /// <paramref name="markedResponses"/>; -1 (nothing written) when the body is not such a list, so the caller passes
    /// it on as it is.
    /// </summary>
    public static int Rewrite(ReadOnlySpan<byte> body, ResponseMarking marking, IBufferWriter<byte> output, MarkedAnswers markedResponses)
    {
        ArgumentNullException.ThrowIfNull(marking);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(markedResponses);
        List<(int Start, int Length)>? items = FindItems(body);
        if (items is null)
        {
            return -1;
        }

        var marked = new ArrayBufferWriter<byte>(4096);
        int copied = 0;
        foreach ((int start, int length) in items)
        {
            marked.ResetWrittenCount();
            ResponseMarking? own = markedResponses.ByRequest is { } byAnswer && AnswerIds.Find(body.Slice(start, length)) is { } id
                && byAnswer.TryGetValue(id, out ResponseMarking? found) ? found : null;
            int choices = ChatCompletionRewriter.Rewrite(body.Slice(start, length), ChoiceLayout.ChatMessage, own ?? marking, marked);
            if (choices < 0)
            {
                continue; // not a completion with text: left as it came
            }

            output.Write(body[copied..start]);
            output.Write(marked.WrittenSpan);
            copied = start + length;
            markedResponses.Add(choices, own);
        }

        output.Write(body[copied..]);
        return items.Count;
    }

    /// <summary>Where each object of the top-level <c>data</c> array is; null unless the body is one object with such an array.</summary>
    /// <summary>The ids of the completions a list holds, in order (none when the body is not such a list).</summary>
    public static List<string> AnswerIdsOf(ReadOnlySpan<byte> body)
    {
        List<string> ids = [];
        foreach ((int start, int length) in FindItems(body) ?? [])
        {
            if (AnswerIds.Find(body.Slice(start, length)) is { } id)
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    private static List<(int Start, int Length)>? FindItems(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        List<(int, int)>? items = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isData = reader.ValueTextEquals("data"u8);
                reader.Read();
                if (!isData || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                items = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    int start = (int)reader.TokenStartIndex;
                    bool isObject = reader.TokenType == JsonTokenType.StartObject;
                    reader.Skip();
                    if (isObject)
                    {
                        items.Add((start, (int)reader.BytesConsumed - start));
                    }
                }
            }

            // The whole body must be that one object.
            return reader.TokenType == JsonTokenType.EndObject && body[(int)reader.BytesConsumed..].Trim(" \t\r\n"u8).IsEmpty ? items : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
