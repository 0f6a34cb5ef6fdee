using System.Security.Cryptography;
using System.Text;
using CanaryService.Application.Configuration;
using CanaryService.Application.Proxy.Forwarding;
using CanaryService.Core.Keys;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Tests.Proxy;

public sealed class AccountResolverTests
{
    [Fact]
    public async Task Hashes_every_key_as_a_one_shot_HMAC_would_on_any_thread_and_at_any_length()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(RandomNumberGenerator.GetBytes(32)));
        using var resolver = new AccountResolver(ring, Options.Create(new ProxyOptions()));
        string[] keys = ["sk-a", "sk-" + new string('x', 200), "sk-ünïcødé-ключ", new string('k', 3000), "sk-a"];

        string[][] perThread = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => keys.Select(resolver.HashKey).ToArray())));

        string[] expected = keys.Select(k => "key-" + Convert.ToHexStringLower(HMACSHA256.HashData(ring.AccountSalt, Encoding.UTF8.GetBytes(k)).AsSpan(0, 16))).ToArray();
        Assert.All(perThread, hashes => Assert.Equal(expected, hashes));
        Assert.Equal(expected[0], expected[4]);
        Assert.NotEqual(expected[0], expected[1]);
    }
}
