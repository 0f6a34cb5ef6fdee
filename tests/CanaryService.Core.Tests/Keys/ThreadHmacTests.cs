using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Testing.InMemory;

namespace CanaryService.Core.Tests.Keys;

public sealed class ThreadHmacTests
{
    [Fact]
    public void Text_appended_in_pieces_hashes_as_the_one_shot_hmac_of_its_utf8_on_every_thread()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using var hmac = new ThreadHmac(key);
        // Unpaired surrogates, multi-byte characters, and a piece longer than the encoder's stack buffer.
        string[] pieces = ["", "a", "données", "数据\uD83D\uDE00", "\uD83D", "x\uDE00y", new string('é', 900), "end"];
        Parallel.For(0, 64, i =>
        {
            var random = new Random(i);
            string[] chosen = [.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => pieces[random.Next(pieces.Length)] + "|")];
            IncrementalHash hash = hmac.Begin();
            foreach (string piece in chosen)
            {
                ThreadHmac.AppendUtf8(hash, piece);
            }

            byte[] expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(string.Concat(chosen)));
            Assert.Equal(expected, hash.GetHashAndReset());

            Span<byte> mac = stackalloc byte[32];
            hmac.Compute(Encoding.UTF8.GetBytes(chosen[0]), mac);
            Assert.Equal(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(chosen[0])), mac.ToArray());
        });

        hmac.Dispose(); // owners may dispose twice
    }

    [Fact]
    public void The_phrase_draw_is_the_keyed_hmac_of_the_length_prefixed_request()
    {
        // The draw is part of what a marked response is: the same request must decide the same in every version, so a
        // response fetched again or replayed from a batch file reads as it first did.
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray()));
        using var marker = new CanaryMarker(ring, new CanaryMarkerOptions { PhraseRate = 0.3 }, new InMemoryCanaryRegistry(), TimeProvider.System);
        int drawn = 0;
        for (int i = 0; i < 400; i++)
        {
            string account = "key-" + i.ToString("x32", CultureInfo.InvariantCulture);
            string? prompt = i % 7 == 0 ? null : "Explain item " + i + " in données \uD83D\uDE00";
            string? response = i % 3 == 0 ? null : "resp_" + i;
            var request = new MarkingRequest(account, prompt, response);
            string input = $"{account.Length}:{account}\n{(prompt ?? "").Length}:{prompt}\n{(response is null ? "-" : response.Length.ToString(CultureInfo.InvariantCulture))}:{response}";
            byte[] mac = HMACSHA256.HashData(ring.PhraseDrawKey, Encoding.UTF8.GetBytes(input));
            bool expected = (BinaryPrimitives.ReadUInt64BigEndian(mac) >> 11) * (1.0 / (1UL << 53)) < 0.3;
            Assert.Equal(expected, marker.DrawsCanary(account, request));
            drawn += expected ? 1 : 0;
        }

        Assert.InRange(drawn, 80, 160); // about 30 % of 400
    }
}
