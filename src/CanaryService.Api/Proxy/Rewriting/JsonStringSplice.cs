using System.Buffers;
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
    public static void WriteString(IBufferWriter<byte> output, string text)
    {
        JsonEncodedText encoded = JsonEncodedText.Encode(text, Encoder);
        output.Write("\""u8);
        output.Write(encoded.EncodedUtf8Bytes);
        output.Write("\""u8);
    }
}
