using System.Buffers;
using System.Text.Json;
using CanaryService.Application.Proxy.Surfaces;
using CanaryService.Core.Marking;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Marks a Batch API output file (JSON lines, each <c>{"custom_id":..,"response":{"status_code":..,"body":{..}}}</c>): the
/// generated text of each line's body (a chat completion, a legacy completion or a response object) is marked as that
/// response would be, and each line with text counts as one response issued. When the batch's requests are known
/// (<see cref="MarkedAnswers.ByRequest"/>, by <c>custom_id</c>), a line whose request drew a phrase canary is marked with
/// its own marking, and one whose request asked for structured output is copied as it came. Any line that is not such a
/// line (an error line, a blank line, anything malformed) is copied as it came, as is every byte outside the texts.
/// </summary>
internal sealed class BatchOutputRewriter
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    private readonly ResponseBodyRewriter _responses = new(ResponseTexts.Body);

    /// <summary>
    /// Writes the marked file to <paramref name="output"/>, adding the marked choices of each marked line (with its own
    /// marking, if it had one) to <paramref name="markedResponses"/>; -1 (nothing written) when no line was a batch output line, so the caller
    /// passes the file on as it is.
    /// </summary>
    public int Rewrite(ReadOnlySpan<byte> file, ResponseMarking marking, IBufferWriter<byte> output, MarkedAnswers markedResponses)
    {
        ArgumentNullException.ThrowIfNull(marking);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(markedResponses);
        if (!System.Text.Unicode.Utf8.IsValid(file))
        {
            return -1;
        }

        int lines = 0;
        var body = new ArrayBufferWriter<byte>(4096);
        ReadOnlySpan<byte> rest = file;
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            int marked = -1;
            ResponseMarking? own = null;
            if (TryFindBody(line, markedResponses.ByRequest is not null, out int start, out int length, out BodyKind kind, out string? customId)
                && !IsNeverMarked(markedResponses.ByRequest, customId, out own))
            {
                marked = RewriteBody(line.Slice(start, length), kind, own ?? marking, body);
            }

            if (marked < 0)
            {
                output.Write(line);
            }
            else
            {
                lines++;
                output.Write(line[..start]);
                output.Write(body.WrittenSpan);
                output.Write(line[(start + length)..]);
                markedResponses.Add(marked, own);
            }

            if (end >= 0)
            {
                output.Write("\n"u8);
            }
        }

        return lines > 0 ? lines : -1;
    }

    private int RewriteBody(ReadOnlySpan<byte> json, BodyKind kind, ResponseMarking marking, ArrayBufferWriter<byte> output)
    {
        output.ResetWrittenCount();
        return kind switch
        {
            BodyKind.ChatCompletion => ChatCompletionRewriter.Rewrite(json, ChoiceLayout.ChatMessage, marking, output),
            BodyKind.Completion => ChatCompletionRewriter.Rewrite(json, ChoiceLayout.CompletionText, marking, output),
            _ => _responses.Rewrite(json, marking, output),
        };
    }

    /// <summary>Finds <c>response.body</c> in one line and what it is (by its <c>object</c>); false for any other line.</summary>
    /// <summary>
    /// Whether the request <paramref name="customId"/> names is one whose answer is never marked (structured output);
    /// otherwise <paramref name="own"/> is its own marking when it has one (it drew a phrase canary).
    /// </summary>
    private static bool IsNeverMarked(IReadOnlyDictionary<string, ResponseMarking?>? byRequest, string? customId, out ResponseMarking? own)
    {
        own = null;
        if (byRequest is null || customId is null || !byRequest.TryGetValue(customId, out ResponseMarking? marking))
        {
            return false;
        }

        own = marking;
        return marking is null;
    }

    private static bool TryFindBody(ReadOnlySpan<byte> line, bool readCustomId, out int start, out int length, out BodyKind kind, out string? customId)
    {
        start = length = 0;
        kind = default;
        customId = null;
        int found = -1;
        var reader = new Utf8JsonReader(line, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isResponse = reader.ValueTextEquals("response"u8);
                bool isCustomId = readCustomId && reader.ValueTextEquals("custom_id"u8);
                reader.Read();
                if (isCustomId && reader.TokenType == JsonTokenType.String)
                {
                    customId = reader.GetString();
                }

                if (!isResponse || reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isBody = reader.ValueTextEquals("body"u8);
                    reader.Read();
                    if (isBody && reader.TokenType == JsonTokenType.StartObject)
                    {
                        found = (int)reader.TokenStartIndex;
                        kind = KindOf(reader);
                        reader.Skip();
                        start = found;
                        length = (int)reader.BytesConsumed - found;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }

            // The whole line must be one object (a trailing CR of a CRLF file is left to the copy around the body).
            return found >= 0 && kind != BodyKind.None && reader.TokenType == JsonTokenType.EndObject && line[(int)reader.BytesConsumed..].TrimEnd("\r"u8).IsEmpty;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false; // a custom_id that cannot be decoded (a lone surrogate escape): the line passes as it came
        }
    }

    /// <summary>What a body is, from its <c>object</c> (read on a copy of the reader, which stays at the body's start).</summary>
    private static BodyKind KindOf(Utf8JsonReader reader)
    {
        int depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("object"u8))
            {
                reader.Read();
                return reader.TokenType != JsonTokenType.String ? BodyKind.None
                    : reader.ValueTextEquals("chat.completion"u8) ? BodyKind.ChatCompletion
                    : reader.ValueTextEquals("text_completion"u8) ? BodyKind.Completion
                    : reader.ValueTextEquals("response"u8) ? BodyKind.Response
                    : BodyKind.None;
            }
        }

        return BodyKind.None;
    }

    private enum BodyKind
    {
        None,
        ChatCompletion,
        Completion,
        Response,
    }
}
