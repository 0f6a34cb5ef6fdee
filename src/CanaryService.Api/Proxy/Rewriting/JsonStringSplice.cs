using System.Buffers;
using System.Text;
using System.Text.Unicode;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CanaryService.Api.Proxy.Rewriting;

/// <summary>Writes JSON string literals for rewritten text.</summary>
internal static class JsonStringSplice
{
    // Only the text changes, so the relaxed encoder is enough: it keeps non-ASCII letters readable and still escapes
    // quotes, backslashes and control characters. The output is JSON, never HTML.
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Writes <paramref name="text"/> as a quoted JSON string.</summary>
    public static void WriteString(IBufferWriter<byte> output, string text) => WriteString(output, text.AsSpan());

    /// <summary>Writes <paramref name="text"/> as a quoted JSON string.</summary>
    public static void WriteString(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        // Most text needs no escaping (one SSE delta of 20 characters, say): transcode it straight into the output
        // and check it there, rather than building a JsonEncodedText (two arrays) for every string. The check is the
        // one JsonEncodedText makes, so the bytes are the same either way; invalid UTF-16 takes the old path too.
        Span<byte> target = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length) + 2);
        if (Utf8.FromUtf16(text, target[1..], out _, out int written, replaceInvalidSequences: false) == OperationStatus.Done
            && Encoder.FindFirstCharacterToEncodeUtf8(target.Slice(1, written)) < 0)
        {
            target[0] = (byte)'"';
            target[written + 1] = (byte)'"';
            output.Advance(written + 2);
            return;
        }

        JsonEncodedText encoded = JsonEncodedText.Encode(text, Encoder);
        output.Write("\""u8);
        output.Write(encoded.EncodedUtf8Bytes);
        output.Write("\""u8);
    }
}
