using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Fast paths for the usual JSON string of a model's answer: ASCII, with a few escapes (<c>\n</c>, <c>\"</c>).
/// Reading widens the runs between escapes in one vectorised call each instead of the reader's byte-by-byte
/// validation; writing narrows the runs the encoder leaves alone and copies the encoder's own escape for the rest.
/// Anything else (non-ASCII, a <c>\u</c> surrogate escape, a malformed literal) is declined, and the caller takes
/// the general path, so the results are exactly the general path's.
/// </summary>
internal static class AsciiJsonString
{
    private static readonly SearchValues<byte> ReadStops = SearchValues.Create("\\\""u8);

    /// <summary>The ASCII characters the encoder leaves as they are.</summary>
    private static readonly SearchValues<char> Unescaped;

    /// <summary>The encoder's escape of every ASCII character (null where it leaves it as it is).</summary>
    private static readonly byte[]?[] Escapes = new byte[]?[128];

    static AsciiJsonString()
    {
        var unescaped = new StringBuilder();
        for (char c = '\0'; c < (char)128; c++)
        {
            byte[] encoded = JsonEncodedText.Encode(c.ToString(), JsonStringSplice.Encoder).EncodedUtf8Bytes.ToArray();
            if (encoded.Length == 1 && encoded[0] == c)
            {
                unescaped.Append(c);
            }
            else
            {
                Escapes[c] = encoded;
            }
        }

        Unescaped = SearchValues.Create(unescaped.ToString());
    }

    /// <summary>
    /// Unescapes the inside of a string literal (without its quotes) into <paramref name="destination"/> (at least as
    /// long as <paramref name="inner"/>) when it is ASCII and well formed; false to leave it to the JSON reader.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> inner, Span<char> destination, out int length)
    {
        length = 0;
        if (!Ascii.IsValid(inner) || inner.ContainsAnyInRange((byte)0, (byte)0x1F))
        {
            return false;
        }

        int written = 0;
        while (true)
        {
            int stop = inner.IndexOfAny(ReadStops);
            ReadOnlySpan<byte> run = stop < 0 ? inner : inner[..stop];
            Ascii.ToUtf16(run, destination[written..], out int widened);
            written += widened;
            if (stop < 0)
            {
                length = written;
                return true;
            }

            if (inner[stop] == (byte)'"' || stop + 1 >= inner.Length)
            {
                return false; // an unescaped quote ends the string early; a trailing backslash escapes the closing quote
            }

            byte escaped = inner[stop + 1];
            char decoded;
            int consumed = 2;
            switch (escaped)
            {
                case (byte)'"': decoded = '"'; break;
                case (byte)'\\': decoded = '\\'; break;
                case (byte)'/': decoded = '/'; break;
                case (byte)'b': decoded = '\b'; break;
                case (byte)'f': decoded = '\f'; break;
                case (byte)'n': decoded = '\n'; break;
                case (byte)'r': decoded = '\r'; break;
                case (byte)'t': decoded = '\t'; break;
                case (byte)'u':
                    if (stop + 6 > inner.Length || !Utf8Parser.TryParse(inner.Slice(stop + 2, 4), out ushort code, out int digits, 'X') || digits != 4 || char.IsSurrogate((char)code))
                    {
                        return false; // surrogate escapes must pair up: the reader judges those
                    }

                    decoded = (char)code;
                    consumed = 6;
                    break;
                default:
                    return false;
            }

            destination[written++] = decoded;
            inner = inner[(stop + consumed)..];
        }
    }

    /// <summary>
    /// Writes <paramref name="text"/> as a quoted JSON string when it is ASCII, byte for byte as the encoder would;
    /// false, with nothing written, for any other text.
    /// </summary>
    public static bool TryWrite(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        if (!Ascii.IsValid(text))
        {
            return false;
        }

        // The longest escape of an ASCII character is \u00XX: 6 bytes.
        Span<byte> target = output.GetSpan((text.Length * 6) + 2);
        int written = 0;
        target[written++] = (byte)'"';
        while (true)
        {
            int stop = text.IndexOfAnyExcept(Unescaped);
            ReadOnlySpan<char> run = stop < 0 ? text : text[..stop];
            Ascii.FromUtf16(run, target[written..], out int narrowed);
            written += narrowed;
            if (stop < 0)
            {
                break;
            }

            byte[] escape = Escapes[text[stop]]!;
            escape.CopyTo(target[written..]);
            written += escape.Length;
            text = text[(stop + 1)..];
        }

        target[written++] = (byte)'"';
        output.Advance(written);
        return true;
    }
}
