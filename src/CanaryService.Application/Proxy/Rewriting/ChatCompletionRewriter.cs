using System.Buffers;
using CanaryService.Core.Marking;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Marks a non-streaming chat completion: only the strings at <c>choices[].message.content</c> and the reasoning trace
/// beside it (<c>reasoning_content</c>, <c>reasoning</c>) change; every other byte (field order, unknown fields, number
/// text, escapes, whitespace) is copied as it came. Legacy completions (<c>choices[].text</c>) take the same path with
/// their own <see cref="ChoiceLayout"/>.
/// </summary>
internal static class ChatCompletionRewriter
{
    /// <summary>
    /// Writes the marked completion to <paramref name="output"/> and returns how many choices were marked, or
    /// -1 (and writes nothing) when <paramref name="json"/> is not a completion object, so the caller passes it on.
    /// </summary>
    public static int Rewrite(ReadOnlySpan<byte> json, ResponseMarking marking, IBufferWriter<byte> output) =>
        Rewrite(json, ChoiceLayout.ChatMessage, marking, output);

    /// <summary>As <see cref="Rewrite(ReadOnlySpan{byte}, ResponseMarking, IBufferWriter{byte})"/>, for choices laid out as <paramref name="layout"/> says.</summary>
    public static int Rewrite(ReadOnlySpan<byte> json, ChoiceLayout layout, ResponseMarking marking, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(marking);
        ArgumentNullException.ThrowIfNull(output);
        var choices = new List<ChoiceContent>();
        if (!ChoiceScan.TryScan(json, layout, choices, decodeContent: false))
        {
            return -1;
        }

        List<TextSlot> slots = Slots(choices);

        // Every text is decoded before anything is written, into one pooled buffer (no string per answer): one
        // that cannot be decoded (a lone surrogate escape) leaves the whole answer as it came.
        int capacity = 0;
        foreach (TextSlot slot in slots)
        {
            capacity += slot.Length;
        }

        char[] decoded = ArrayPool<char>.Shared.Rent(Math.Max(capacity, 1));
        var marked = new PooledBufferWriter<char>(Math.Max(capacity + 256, 1024));
        try
        {
            Span<(int Start, int Length)> texts = slots.Count <= 16 ? stackalloc (int, int)[slots.Count] : new (int, int)[slots.Count];
            int at = 0;
            for (int i = 0; i < slots.Count; i++)
            {
                if (!ChoiceScan.TryReadString(json.Slice(slots[i].Start, slots[i].Length), decoded.AsSpan(at), out int length))
                {
                    return -1;
                }

                texts[i] = (at, length);
                at += length;
            }

            int copied = 0;
            for (int i = 0; i < slots.Count; i++)
            {
                TextSlot slot = slots[i];
                marked.ResetWrittenCount();
                if (!marking.TryMarkText(decoded.AsSpan(texts[i].Start, texts[i].Length), slot.MarkIndex, marked))
                {
                    continue;
                }

                output.Write(json[copied..slot.Start]);
                JsonStringSplice.WriteString(output, marked.WrittenSpan);
                copied = slot.Start + slot.Length;
            }

            output.Write(json[copied..]);
            return MarkedChoices(choices);
        }
        finally
        {
            marked.Release();
            ArrayPool<char>.Shared.Return(decoded);
        }
    }

    /// <summary>The strings to mark, in document order: each markable answer under its choice's index, each reasoning trace without the canary.</summary>
    private static List<TextSlot> Slots(List<ChoiceContent> choices)
    {
        var slots = new List<TextSlot>(choices.Count);
        bool reasoning = false;
        foreach (ChoiceContent choice in choices)
        {
            if (IsMarkable(choice))
            {
                slots.Add(new TextSlot(choice.ContentStart, choice.ContentLength, choice.Index));
            }

            foreach (JsonText? trace in (ReadOnlySpan<JsonText?>)[choice.ReasoningContent, choice.Reasoning])
            {
                if (trace is { } text)
                {
                    slots.Add(new TextSlot(text.Start, text.Length, ResponseMarking.WithoutCanary));
                    reasoning = true;
                }
            }
        }

        if (reasoning)
        {
            // A message may put its reasoning before or after its content; the splice goes through the bytes in order.
            slots.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        }

        return slots;
    }

    /// <summary>A choice counts as marked when any of its text (answer or reasoning) went through the marker.</summary>
    private static int MarkedChoices(List<ChoiceContent> choices)
    {
        int marked = 0;
        foreach (ChoiceContent choice in choices)
        {
            marked += IsMarkable(choice) || choice.HasReasoning ? 1 : 0;
        }

        return marked;
    }

    private static bool IsMarkable(ChoiceContent choice) => choice.ContentStart >= 0 && !choice.CarriesStructure;

    /// <summary>One string to mark: its token's bytes and the choice index the marker is given.</summary>
    private readonly record struct TextSlot(int Start, int Length, int MarkIndex);
}
