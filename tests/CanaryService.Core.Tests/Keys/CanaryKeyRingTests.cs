using CanaryService.Core.Keys;

namespace CanaryService.Core.Tests.Keys;

public sealed class CanaryKeyRingTests
{
    [Fact]
    public void Account_keys_stay_bounded_however_many_callers_send_keys_and_an_evicted_key_chooses_the_same()
    {
        // The proxy turns every API key a caller sends (checked by the upstream only later) into an account id.
        var ring = new CanaryKeyRing(MasterKey.Generate());
        LexicalKey first = ring.ForAccount("key-first");
        int[] before = [.. Enumerable.Range(0, 50).Select(g => first.PreferredIndex("w" + g, g, 3))];

        for (int i = 0; i < 5 * CanaryKeyRing.MaxCachedAccountKeys; i++)
        {
            ring.ForAccount("key-" + i.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(ring.CachedAccountKeys <= CanaryKeyRing.MaxCachedAccountKeys);
        }

        LexicalKey again = ring.ForAccount("key-first");
        Assert.Equal("account:key-first", again.Id);
        Assert.Equal(before, Enumerable.Range(0, 50).Select(g => again.PreferredIndex("w" + g, g, 3)));
        Assert.Same(again, ring.ForAccount("key-first"));
    }
}
