using System.Security.Cryptography;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;

namespace CanaryService.Core.Tests.Marking;

public sealed class PreferredFormCacheTests
{
    [Fact]
    public async Task Always_gives_the_keys_own_choice_on_every_thread_even_far_past_its_capacity()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(RandomNumberGenerator.GetBytes(32)));
        LexicalKey key = ring.ForAccount("acct-cache");
        PreferredFormCache cache = PreferredFormCache.For(key);
        // 20,000 contexts over 40 groups: five times the account cache's 4,096 slots, so sets fill and entries are replaced.
        var lookups = Enumerable.Range(0, 20_000).Select(i => (Context: "w" + (i * 7919 % 20_000).ToString(System.Globalization.CultureInfo.InvariantCulture), Group: i % 40, Size: 2 + (i % 3))).ToArray();

        // Each thread walks the lookups from its own offset, so threads fill and replace the same sets concurrently.
        (string Context, int Group, int Size) Lookup(int thread, int i) => lookups[(i + (thread * 5_003)) % lookups.Length];

        int[][] perThread = await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
            Enumerable.Range(0, lookups.Length).Select(i => Lookup(t, i)).Select(l => cache.PreferredIndex(l.Context, l.Group, l.Size)).ToArray())));

        for (int t = 0; t < perThread.Length; t++)
        {
            for (int i = 0; i < lookups.Length; i++)
            {
                var (context, group, size) = Lookup(t, i);
                Assert.Equal(key.PreferredIndex(context, group, size), perThread[t][i]);
            }
        }

        // The same context under another group, and a context that differs only in length, are separate entries.
        Assert.Equal(key.PreferredIndex("the", 7, 5), cache.PreferredIndex("the", 7, 5));
        Assert.Equal(key.PreferredIndex("the", 8, 5), cache.PreferredIndex("the", 8, 5));
        Assert.Equal(key.PreferredIndex("th", 7, 5), cache.PreferredIndex("th", 7, 5));
        // What does not fit a packed entry (a group id from 4,096, more than 16 forms) is computed each time, still right.
        Assert.Equal(key.PreferredIndex("the", 5_000, 3), cache.PreferredIndex("the", 5_000, 3));
        Assert.Equal(key.PreferredIndex("the", 7, 40), cache.PreferredIndex("the", 7, 40));
        Assert.Same(cache, PreferredFormCache.For(key));
    }
}
