using System.Text;
using CanaryService.Application.Proxy.Rewriting;

namespace CanaryService.Application.Tests.Proxy;

public sealed class ChoiceScanTests
{
    [Fact]
    public void A_verbatim_string_token_is_exactly_a_token_whose_text_is_its_bytes()
    {
        // Bytes that matter to a JSON string's end and decoding, and plain letters between them.
        byte[] alphabet = [(byte)'"', (byte)'\\', (byte)'n', (byte)'u', (byte)'0', (byte)' ', (byte)'a', (byte)'Z', 0x01, 0x1F, 0x7F, 0xC3, 0xA9, (byte)'/'];
        var random = new Random(7);
        int verbatim = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] bytes = new byte[random.Next(0, 40)];
            for (int j = 0; j < bytes.Length; j++)
            {
                bytes[j] = random.Next(3) == 0 ? alphabet[random.Next(alphabet.Length)] : (byte)random.Next('a', 'z' + 1);
            }

            if (bytes.Length > 0 && random.Next(4) > 0)
            {
                bytes[0] = (byte)'"';
            }

            int length = ChoiceScan.VerbatimStringTokenLength(bytes);
            int inner = bytes.Length > 0 && bytes[0] == (byte)'"' ? Array.FindIndex(bytes, 1, b => b is (byte)'"' or (byte)'\\' or < 0x20 or >= 0x80) : -1;
            bool expected = inner > 0 && bytes[inner] == (byte)'"';
            Assert.Equal(expected ? inner + 1 : -1, length);
            if (length < 0)
            {
                continue;
            }

            // Whatever it takes, the general path takes the same way: the same token, the same text.
            verbatim++;
            Assert.Equal(length, ChoiceScan.StringTokenLength(bytes));
            char[] text = new char[length];
            Assert.True(ChoiceScan.TryReadString(bytes.AsSpan(0, length), text, out int written));
            Assert.Equal(Encoding.ASCII.GetString(bytes, 1, length - 2), new string(text, 0, written));
        }

        Assert.InRange(verbatim, 1_000, 20_000);
    }

    [Theory]
    [InlineData("\"plain text\" tail", 12)]
    [InlineData("\"\"", 2)]
    [InlineData("\"with \\n escape\"", -1)]
    [InlineData("\"caf\u00e9\"", -1)]
    [InlineData("\"unterminated", -1)]
    [InlineData("no quote\"", -1)]
    public void Finds_the_verbatim_token_or_declines(string input, int expected) =>
        Assert.Equal(expected, ChoiceScan.VerbatimStringTokenLength(Encoding.UTF8.GetBytes(input)));
}
