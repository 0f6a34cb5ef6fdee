using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;

namespace CanaryService.Core.Tests.Marking;

public sealed class TextMarkerTests
{
    internal static TextMarker CreateMarker(MasterKey? master = null, string account = "acct-1")
    {
        var ring = new CanaryKeyRing(master ?? MasterKey.Generate());
        // The scanner tests' lexicon: these tests are about the marker, whatever groups the shipped lexicon holds.
        var lexicon = CanaryService.Core.Tests.Lexicon.RuleLexicon.Instance;
        return new TextMarker(lexicon, LexiconLayers.Create(lexicon, ring), ring.Global, ring.ForAccount(account));
    }

    [Fact]
    public void Marking_changes_some_words_and_is_idempotent()
    {
        int changedSomewhere = 0;
        for (int k = 0; k < 10; k++)
        {
            var marker = CreateMarker();
            string once = marker.Mark(MarkingTexts.Answer);
            string twice = marker.Mark(once);
            Assert.Equal(once, twice);
            if (!string.Equals(once, MarkingTexts.Answer, StringComparison.Ordinal))
            {
                changedSomewhere++;
            }
        }

        Assert.True(changedSomewhere >= 9, $"only {changedSomewhere} of 10 keys changed anything");
    }

    [Fact]
    public void Marked_words_follow_the_key_and_keep_capitalisation()
    {
        var marker = CreateMarker();
        string marked = marker.Mark("Typically, it works. TYPICALLY it works. Usually, yes.");
        var words = marked.Split(' ', ',', '.').Where(w => w.Length > 0).ToList();
        Assert.Contains(words[0], new[] { "Typically", "Usually", "Normally" });
        Assert.Equal("TYPICALLY", words[3]); // ALL-CAPS is a keyword or an acronym: never rewritten
        // The same context and group give the same preferred form.
        Assert.Equal(words[0], words[^2]);
    }

    [Fact]
    public void Protected_regions_come_through_byte_identical()
    {
        var marker = CreateMarker();
        string marked = marker.Mark(MarkingTexts.Answer);
        foreach (string fragment in new[]
        {
            "`dotnet test --often`",
            "https://example.com/typically?usually=1",
            "3.5 seconds",
            "```csharp\n// typically usually often\nvar many = \"numerous\";\n```",
            "\"typically often\"",
            "😀",
        })
        {
            Assert.Contains(fragment, marked, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Json_response_is_returned_unchanged()
    {
        const string json = """{"answer": "Typically many people usually often", "n": 3}""";
        Assert.Same(json, CreateMarker().Mark(json));
    }

    [Fact]
    public void Null_and_empty_give_empty()
    {
        var marker = CreateMarker();
        Assert.Equal("", marker.Mark(null));
        Assert.Equal("", marker.Mark(""));
    }

    [Fact]
    public void Different_accounts_mark_account_groups_differently()
    {
        // For one master key the two accounts may happen to prefer the same forms in every account group the text holds;
        // over many keys they seldom do.
        string text = string.Concat(Enumerable.Repeat(MarkingTexts.Answer + "\n\n", 3));
        int differ = 0;
        for (int k = 0; k < 20; k++)
        {
            var master = MasterKey.Generate();
            differ += CreateMarker(master, "a").Mark(text) == CreateMarker(master, "b").Mark(text) ? 0 : 1;
            Assert.Equal(CreateMarker(master, "a").Mark(text), CreateMarker(master, "a").Mark(text));
        }

        Assert.True(differ >= 15, $"the accounts' marks differ for {differ} of 20 keys");
    }
}
