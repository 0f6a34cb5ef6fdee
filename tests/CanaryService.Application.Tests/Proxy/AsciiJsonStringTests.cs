using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CanaryService.Application.Proxy.Rewriting;

namespace CanaryService.Application.Tests.Proxy;

public sealed class AsciiJsonStringTests
{
    [Fact]
    public void Every_ASCII_text_is_written_as_the_encoder_writes_it_and_read_back_as_the_reader_reads_it()
    {
        var random = new Random(41);
        for (int i = 0; i < 5_000; i++)
        {
            string text = RandomAscii(random, random.Next(0, 80));
            var output = new ArrayBufferWriter<byte>(1);

            Assert.True(AsciiJsonString.TryWrite(output, text));

            string expected = "\"" + Encoding.UTF8.GetString(JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes) + "\"";
            Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
            AssertReadsAsTheReader(output.WrittenSpan);

            // Other writers escape more (\u003C, \/ ...): read those the same way too.
            AssertReadsAsTheReader(JsonSerializer.SerializeToUtf8Bytes(text));
            AssertReadsAsTheReader(Encoding.UTF8.GetBytes("\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
                .Replace("/", "\\/", StringComparison.Ordinal).Replace("\n", "\\u000a", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal)
                .Replace("\t", "\\t", StringComparison.Ordinal) + "\"").Where(b => b >= 0x20).ToArray());
        }
    }

    [Theory]
    [InlineData("naïve")]
    [InlineData("emoji 😀")]
    [InlineData("lone \uD800")]
    public void Declines_text_that_is_not_ASCII_and_writes_nothing(string text)
    {
        var output = new ArrayBufferWriter<byte>(1);

        Assert.False(AsciiJsonString.TryWrite(output, text));
        Assert.Equal(0, output.WrittenCount);
    }

    [Theory]
    [InlineData("caf\u00e9")]           // raw UTF-8: the reader transcodes it
    [InlineData("quote \" inside")]     // not one string
    [InlineData("ends in \\")]         // the closing quote is escaped
    [InlineData("bad \\x escape")]
    [InlineData("short \\u12")]
    [InlineData("pair \\ud83d\\ude00")] // surrogate escapes: the reader pairs them
    [InlineData("lone \\ud800")]
    [InlineData("tab\tinside")]        // a raw control character is not valid JSON
    public void Declines_what_the_reader_must_judge(string inner)
    {
        Assert.False(AsciiJsonString.TryRead(Encoding.UTF8.GetBytes(inner), new char[inner.Length * 2], out _));
    }

    private static void AssertReadsAsTheReader(ReadOnlySpan<byte> literal)
    {
        var reader = new Utf8JsonReader(literal);
        Assert.True(reader.Read());
        string expected = reader.GetString()!;
        char[] buffer = new char[literal.Length];

        Assert.True(AsciiJsonString.TryRead(literal[1..^1], buffer, out int length), Encoding.UTF8.GetString(literal));
        Assert.Equal(expected, new string(buffer, 0, length));
        Assert.True(ChoiceScan.TryReadString(literal, buffer, out length));
        Assert.Equal(expected, new string(buffer, 0, length));
    }

    private static string RandomAscii(Random random, int length)
    {
        const string Common = "abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 .,;:!?-'\"\\/\n\t<>&+`{}[]";
        var text = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            text.Append(random.Next(8) == 0 ? (char)random.Next(0, 128) : Common[random.Next(Common.Length)]);
        }

        return text.ToString();
    }
}
