using CanaryService.Core.Lexicon;

namespace CanaryService.Core.Tests.Lexicon;

public sealed class FormTableTests
{
    [Fact]
    public void Finds_every_form_of_the_lexicon_in_any_ASCII_case_and_nothing_else()
    {
        CanaryLexicon lexicon = CanaryLexicon.Default;
        var forms = new HashSet<string>(StringComparer.Ordinal);
        foreach (LexiconGroup group in lexicon.Groups.Where(g => !g.IsMarkup))
        {
            for (int i = 0; i < group.Forms.Length; i++)
            {
                string form = group.Forms[i];
                forms.Add(form);
                foreach (string cased in new[] { form, char.ToUpperInvariant(form[0]) + form[1..], form.ToUpperInvariant() })
                {
                    Assert.True(lexicon.TryFind(cased, out LexiconGroup found, out int index), cased);
                    Assert.Same(group, found);
                    Assert.Equal(i, index);
                }
            }
        }

        // Words that are not forms, many sharing a form's length and ends (what the filter and the hash look at).
        var random = new Random(5);
        string[] all = [.. forms];
        int declined = 0;
        for (int i = 0; i < 50_000; i++)
        {
            char[] word = all[random.Next(all.Length)].ToCharArray();
            word[random.Next(word.Length)] = (char)random.Next('a', 'z' + 1);
            if (random.Next(4) == 0)
            {
                word = [.. word, (char)random.Next('a', 'z' + 1)];
            }

            string candidate = new(word);
            Assert.Equal(forms.Contains(candidate), lexicon.TryFind(candidate, out _, out _));
            declined += forms.Contains(candidate) ? 0 : 1;
        }

        Assert.InRange(declined, 40_000, 50_000);
        Assert.False(lexicon.TryFind("", out _, out _));

        // Characters next to the ASCII letters, which a case fold by OR 0x20 or a five-bit packing could take for letters.
        foreach (string form in all)
        {
            foreach (char odd in "[\\]^_{|}~\u007f`@\u00a0'-")
            {
                string word = odd + form[1..];
                Assert.Equal(forms.Contains(word), lexicon.TryFind(word, out _, out _));
            }
        }
    }
}
