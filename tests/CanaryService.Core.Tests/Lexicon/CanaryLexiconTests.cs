using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;

namespace CanaryService.Core.Tests.Lexicon;

public sealed class CanaryLexiconTests
{
    [Fact]
    public void Default_lexicon_has_unique_ids_and_words()
    {
        var lexicon = CanaryLexicon.Default;

        Assert.Equal(lexicon.Groups.Length, lexicon.Groups.Select(g => g.Id).Distinct().Count());
        var words = lexicon.Groups.SelectMany(g => g.Forms).ToList();
        Assert.Equal(words.Count, words.Distinct(StringComparer.Ordinal).Count());
        Assert.All(lexicon.Groups, g => Assert.True(g.Forms.Length >= 2));
    }

    [Fact]
    public void Finds_forms_by_span_in_any_ascii_case()
    {
        var lexicon = CanaryService.Core.Tests.Lexicon.RuleLexicon.Instance;
        Assert.True(lexicon.TryFind("typically".AsSpan(), out var group, out int form));
        Assert.Contains("usually", group.Forms);
        Assert.Equal("typically", group.Forms[form]);
        foreach (string cased in new[] { "Typically", "TYPICALLY", "tYpIcAlLy" })
        {
            Assert.True(lexicon.TryFind(cased.AsSpan(), out var same, out int index), cased);
            Assert.Equal((group, form), (same, index));
        }

        Assert.False(lexicon.TryFind("banana".AsSpan(), out _, out _));
        Assert.False(lexicon.TryFind("typicall\u00dd".AsSpan(), out _, out _)); // no folding beyond ASCII
    }

    [Fact]
    public void Every_form_is_found_at_its_own_group_and_index_and_nothing_near_one_is()
    {
        var lexicon = CanaryLexicon.Default;
        var forms = lexicon.Groups.SelectMany(g => g.Forms).ToHashSet(StringComparer.Ordinal);
        foreach (LexiconGroup group in lexicon.Groups.Where(g => !g.IsMarkup))
        {
            for (int i = 0; i < group.Forms.Length; i++)
            {
                string form = group.Forms[i];
                Assert.True(lexicon.TryFind(form.AsSpan(), out var found, out int index), form);
                Assert.Same(group, found);
                Assert.Equal(i, index);
                Assert.True(lexicon.TryFind(form.ToUpperInvariant().AsSpan(), out found, out index), form);
                Assert.Equal((group, i), (found, index));

                // Same length and ends (what the table hashes), or one character shorter or longer: not forms.
                string[] near = [form[..^1], form + "s", form.Length > 2 ? form[0] + "q" + form[2..] : "q" + form, string.Concat(form.Reverse())];
                foreach (string other in near.Where(n => !forms.Contains(n)))
                {
                    Assert.False(lexicon.TryFind(other.AsSpan(), out _, out _), other);
                    Assert.False(lexicon.Contains(other.AsSpan()), other);
                }
            }
        }

        Assert.False(lexicon.TryFind([], out _, out _));
    }

    [Fact]
    public void Guards_are_data()
    {
        var lexicon = CanaryLexicon.Parse("1 | many numerous | not-after how ; not-before of\n2 | furthermore moreover | after ^\n3 | quickly rapidly | before . U+003B U+007C $");
        Assert.True(lexicon.TryFind("many", out var many, out _));
        Assert.Contains("of", (IReadOnlySet<string>)many.NotBefore!);
        Assert.Contains("how", (IReadOnlySet<string>)many.NotAfter!);
        Assert.True(lexicon.TryFind("moreover", out var moreover, out _));
        Assert.Equal(["^"], moreover.OnlyAfter!);
        Assert.True(lexicon.TryFind("rapidly", out var rapidly, out _));
        Assert.Equal([".", ";", "|", "$"], rapidly.OnlyBefore!.Order(StringComparer.Ordinal).ToArray().OrderBy(k => ".;|$".IndexOf(k, StringComparison.Ordinal)));
        Assert.Equal("U+003B", CanaryLexicon.EncodeToken(";"));
        Assert.Equal("of", CanaryLexicon.EncodeToken("of"));
    }

    [Theory]
    [InlineData("1 | alpha beta\n2 | beta gamma", "already in another group")]
    [InlineData("1 | alpha beta\n1 | gamma delta", "numeric id")]
    [InlineData("markup-bullet 1\n1 | alpha beta", "numeric id")]
    [InlineData("markup-bullet 7\nmarkup-bullet 8\n1 | alpha beta", "markup-bullet")]
    [InlineData("markup-bullet seven\n1 | alpha beta", "markup-bullet")]
    [InlineData("markup-bullet 7", "no groups")]
    [InlineData("1 | alpha beta | not-before gamma\n2 | gamma delta", "is a lexicon form")]
    [InlineData("1 | alpha beta | before gamma\n2 | gamma delta", "is a lexicon form")]
    [InlineData("1 | alpha beta | from gamma", "not a form of the group")]
    [InlineData("1 | alpha", "at least two")]
    [InlineData("1 | alpha beta | sideways", "unknown rule")]
    public void Parse_rejects_bad_data(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => CanaryLexicon.Parse(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bullet_group_takes_a_keyed_layer_of_its_own_and_leaves_the_word_groups_split_alone()
    {
        var words = CanaryService.Core.Tests.Lexicon.RuleLexicon.Instance;
        var withBullets = CanaryService.Core.Tests.Lexicon.RuleLexicon.WithBullets;
        LexiconGroup bullets = withBullets.Bullets!;
        Assert.Null(words.Bullets);
        Assert.Equal(["*", "-"], bullets.Forms.ToArray());
        int global = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            byte[] layerSeed = [.. BitConverter.GetBytes(seed), .. new byte[28]];
            var before = LexiconLayers.Create(words, layerSeed);
            var after = LexiconLayers.Create(withBullets, layerSeed);
            foreach (LexiconGroup group in words.Groups)
            {
                int index = withBullets.Groups.Single(g => g.Id == group.Id).Index;
                Assert.Equal(before.IsGlobal(group.Index), after.IsGlobal(index));
            }

            global += after.IsGlobal(bullets.Index) ? 1 : 0;
        }

        Assert.InRange(global, 60, 140); // a fair keyed coin: 100 expected, these bounds are ±5.6 standard deviations
    }

    [Fact]
    public void Layers_split_exactly_half_and_depend_on_the_secret()
    {
        // Two hundred groups, so that two random splits agree on more than three quarters of them with negligible odds.
        static string Word(int i, char form) => new([(char)('a' + (i / 26)), (char)('a' + (i % 26)), form]);
        var lexicon = CanaryLexicon.Parse(string.Join('\n', Enumerable.Range(1, 200).Select(i => $"{i} | {Word(i, 'x')} {Word(i, 'y')}")));
        var a = LexiconLayers.Create(lexicon, new CanaryKeyRing(MasterKey.Generate()));
        var b = LexiconLayers.Create(lexicon, new CanaryKeyRing(MasterKey.Generate()));

        Assert.Equal((lexicon.Groups.Length + 1) / 2, a.GlobalCount);
        Assert.Equal((lexicon.Groups.Length + 1) / 2, b.GlobalCount);
        int differing = Enumerable.Range(0, lexicon.Groups.Length).Count(i => a.IsGlobal(i) != b.IsGlobal(i));
        Assert.True(differing > lexicon.Groups.Length / 4, "two master keys should split the groups differently");
        var again = LexiconLayers.Create(lexicon, new byte[32]);
        var same = LexiconLayers.Create(lexicon, new byte[32]);
        Assert.All(Enumerable.Range(0, lexicon.Groups.Length), i => Assert.Equal(again.IsGlobal(i), same.IsGlobal(i)));
    }
}
