using System.Security.Cryptography;
using CanaryService.Core.Keys;

namespace CanaryService.Core.Tests.Keys;

public sealed class LexicalKeyChooserTests
{
    [Fact]
    public void Chooser_agrees_with_the_key_for_every_context_group_and_size()
    {
        var key = LexicalKey.FromBytes("global", RandomNumberGenerator.GetBytes(32));
        using LexicalKeyChooser chooser = key.CreateChooser();
        var random = new Random(1);
        string[] contexts = ["^", "the", "données", "数据", new string('x', 300), ""];
        for (int i = 0; i < 2_000; i++)
        {
            string context = i < contexts.Length ? contexts[i] : "w" + random.Next(10_000);
            int group = random.Next(-5, 100_000), size = random.Next(1, 9);
            Assert.Equal(key.PreferredIndex(context, group, size), chooser.PreferredIndex(context, group, size));
        }

        Assert.Same(key, chooser.Key);
        Assert.Throws<ArgumentOutOfRangeException>("groupSize", () => chooser.PreferredIndex("a", 1, 0));
    }
}
