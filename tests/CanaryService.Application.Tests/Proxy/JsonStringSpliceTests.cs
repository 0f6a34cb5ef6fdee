using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CanaryService.Application.Proxy.Rewriting;

namespace CanaryService.Application.Tests.Proxy;

public sealed class JsonStringSpliceTests
{
    [Theory]
    [InlineData("")]
    [InlineData("plain ascii text")]
    [InlineData("line one\n\nline \"two\"\t\\ end\r")]
    [InlineData("naïve café 😀 — “quoted” <b>&amp;</b> '\u0001\u001f\u007f\u2028\u2029'")]
    [InlineData("\uFEFF leading BOM and \u00A0 nbsp")]
    public void Writes_the_bytes_JsonEncodedText_gives(string text) => AssertSameAsJsonEncodedText(text);

    [Fact]
    public void Random_text_gives_the_bytes_JsonEncodedText_gives()
    {
        var random = new Random(23);
        char[] alphabet = "aZ09 .,;:!?\"\\/\n\r\t\b\f\u0000\u001b\u007f\u0080é€😀<>&'+`\u2028\u3042".ToCharArray();
        for (int i = 0; i < 2_000; i++)
        {
            var text = new StringBuilder();
            int length = random.Next(0, 60);
            while (text.Length < length)
            {
                int at = random.Next(alphabet.Length);
                text.Append(char.IsHighSurrogate(alphabet[at]) ? "😀" : char.IsLowSurrogate(alphabet[at]) ? "x" : alphabet[at].ToString());
            }

            AssertSameAsJsonEncodedText(text.ToString());
        }
    }

    [Fact]
    public void A_lone_surrogate_fails_as_JsonEncodedText_does()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.ThrowsAny<Exception>(() => JsonStringSplice.WriteString(output, "bad \uD800 text"));
    }

    private static void AssertSameAsJsonEncodedText(string text)
    {
        var output = new ArrayBufferWriter<byte>(1);
        JsonStringSplice.WriteString(output, text);
        string expected = "\"" + Encoding.UTF8.GetString(JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes) + "\"";
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(text, JsonSerializer.Deserialize<string>(output.WrittenSpan));
    }
}
