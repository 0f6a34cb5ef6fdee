using System.Buffers;

namespace CanaryService.Api.Proxy.Rewriting;

/// <summary>
/// Marks a non-streaming chat completion: only the strings at <c>choices[].message.content</c> change; every
/// other byte (field order, unknown fields, number text, escapes, whitespace) is copied as it came.
/// </summary>
internal static class ChatCompletionRewriter
{
    /// <summary>
    /// Writes the marked completion to <paramref name="output"/> and returns how many choices were marked, or
    /// -1 (and writes nothing) when <paramref name="json"/> is not a completion object, so the caller passes it on.
    /// </summary>
    public static int Rewrite(ReadOnlySpan<byte> json, IResponseMarking marking, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(marking);
        ArgumentNullException.ThrowIfNull(output);
        var choices = new List<ChoiceContent>();
        if (!ChoiceScan.TryScan(json, "message"u8, choices, decodeContent: false))
        {
            return -1;
        }

        // Every content is decoded before anything is written, into one pooled buffer (no string per answer): one
        // that cannot be decoded (a lone surrogate escape) leaves the whole answer as it came.
        int capacity = 0;
        foreach (ChoiceContent choice in choices)
        {
            capacity += IsMarkable(choice) ? choice.ContentLength : 0;
        }

        char[] decoded = ArrayPool<char>.Shared.Rent(Math.Max(capacity, 1));
        var marked = new PooledBufferWriter<char>(Math.Max(capacity + 256, 1024));
        try
        {
            Span<(int Start, int Length)> texts = choices.Count <= 16 ? stackalloc (int, int)[choices.Count] : new (int, int)[choices.Count];
            int at = 0;
            for (int i = 0; i < choices.Count; i++)
            {
                ChoiceContent choice = choices[i];
                if (!IsMarkable(choice))
                {
                    continue;
                }

                if (!ChoiceScan.TryReadString(json.Slice(choice.ContentStart, choice.ContentLength), decoded.AsSpan(at), out int length))
                {
                    return -1;
                }

                texts[i] = (at, length);
                at += length;
            }

            int copied = 0;
            int markedChoices = 0;
            for (int i = 0; i < choices.Count; i++)
            {
                ChoiceContent choice = choices[i];
                if (!IsMarkable(choice))
                {
                    continue;
                }

                markedChoices++;
                marked.ResetWrittenCount();
                if (!marking.TryMarkText(decoded.AsSpan(texts[i].Start, texts[i].Length), choice.Index, marked))
                {
                    continue;
                }

                output.Write(json[copied..choice.ContentStart]);
                JsonStringSplice.WriteString(output, marked.WrittenSpan);
                copied = choice.ContentStart + choice.ContentLength;
            }

            output.Write(json[copied..]);
            return markedChoices;
        }
        finally
        {
            marked.Release();
            ArrayPool<char>.Shared.Return(decoded);
        }
    }

    private static bool IsMarkable(ChoiceContent choice) => choice.ContentStart >= 0 && !choice.CarriesStructure;
}
