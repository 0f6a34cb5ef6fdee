using System.Buffers;
using System.Text;
using System.Text.Unicode;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>Writes JSON string literals for rewritten text.</summary>
internal static class JsonStringSplice
{
    // The longest escape of one UTF-8 byte: \u00XX.
    private const int MaxEscapedBytesPerByte = 6;

    // Only the text changes, so the relaxed encoder is enough: it keeps non-ASCII letters readable and still escapes
    // quotes, backslashes and control characters. The output is JSON, never HTML.
    internal static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Writes <paramref name="text"/> as a quoted JSON string.</summary>
    public static void WriteString(IBufferWriter<byte> output, string text) => WriteString(output, text.AsSpan());

    /// <summary>Writes <paramref name="text"/> as a quoted JSON string.</summary>
    public static void WriteString(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        if (AsciiJsonString.TryWrite(output, text))
        {
            return;
        }

        // Transcode straight into the output and escape there, rather than building a JsonEncodedText (two arrays)
        // for every string. The bytes are the ones JsonEncodedText.Encode gives: it runs the same check and, when
        // something needs escaping, the same encoder's EncodeUtf8 over the UTF-8 (at most 6 bytes per byte, its
        // worst case). Invalid UTF-16 takes JsonEncodedText's path, so it fails as it did.
        int maxUtf8 = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> target = output.GetSpan((maxUtf8 * MaxEscapedBytesPerByte) + 2);
        if (Utf8.FromUtf16(text, target[1..], out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            WriteEncodedText(output, text);
            return;
        }

        if (Encoder.FindFirstCharacterToEncodeUtf8(target.Slice(1, written)) >= 0)
        {
            byte[] utf8 = ArrayPool<byte>.Shared.Rent(written);
            try
            {
                target.Slice(1, written).CopyTo(utf8);
                if (Encoder.EncodeUtf8(utf8.AsSpan(0, written), target[1..], out _, out written) != OperationStatus.Done)
                {
                    WriteEncodedText(output, text);
                    return;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(utf8);
            }
        }

        target[0] = (byte)'"';
        target[written + 1] = (byte)'"';
        output.Advance(written + 2);
    }

    private static void WriteEncodedText(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        JsonEncodedText encoded = JsonEncodedText.Encode(text, Encoder);
        output.Write("\""u8);
        output.Write(encoded.EncodedUtf8Bytes);
        output.Write("\""u8);
    }
}
