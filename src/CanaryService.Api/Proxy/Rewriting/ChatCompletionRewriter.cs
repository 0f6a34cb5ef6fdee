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
        if (!ChoiceScan.TryScan(json, "message"u8, choices))
        {
            return -1;
        }

        int copied = 0;
        int marked = 0;
        foreach (ChoiceContent choice in choices)
        {
            if (choice.Content is null || choice.CarriesStructure)
            {
                continue;
            }

            string text = marking.MarkText(choice.Content, choice.Index);
            marked++;
            if (string.Equals(text, choice.Content, StringComparison.Ordinal))
            {
                continue;
            }

            output.Write(json[copied..choice.ContentStart]);
            JsonStringSplice.WriteString(output, text);
            copied = choice.ContentStart + choice.ContentLength;
        }

        output.Write(json[copied..]);
        return marked;
    }
}
