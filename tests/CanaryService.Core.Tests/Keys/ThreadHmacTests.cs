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
    public void Each_mac_is_the_one_shot_hmac_of_its_input_on_every_thread_and_call_after_call()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using var hmac = new ThreadHmac(key);
        Parallel.For(0, 64, i =>
        {
            var random = new Random(i);
            Span<byte> mac = stackalloc byte[32];
            for (int call = 0; call < 20; call++)
            {
                // Empty, short and longer than a SHA-256 block, so that the reused state is seen to reset after each.
                byte[] data = new byte[random.Next(0, 300)];
                random.NextBytes(data);
                hmac.Compute(data, mac);
                Assert.Equal(HMACSHA256.HashData(key, data), mac.ToArray());
            }
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
            // Short prompts, none, long ones (past the stack buffer), and unpaired surrogates (encoded as U+FFFD).
            string? prompt = i % 7 == 0 ? null
                : i % 5 == 0 ? string.Concat(Enumerable.Repeat("Explain item " + i + " in données \uD83D\uDE00 ", 60))
                : i % 13 == 0 ? "Lone \uD800 surrogate " + i + "\uDC00"
                : "Explain item " + i + " in données \uD83D\uDE00";
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
