using System.Text.RegularExpressions;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Core.Tests.Marking;
using Xunit.Abstractions;

namespace CanaryService.Core.Tests.Quality;

/// <summary>
/// Coverage and quality of the lexical watermark on the project's prose corpus (Corpus/, varied LLM-style answers
/// with code blocks, inline code, URLs, numbers and a JSON answer). The figures go to docs/lexicon.md.
/// </summary>
public sealed partial class CorpusQualityTests(ITestOutputHelper output)
{
    private const int Keys = 20;

    private static readonly List<(string Name, string Text)> Corpus = Directory
        .GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"))
        .Order(StringComparer.Ordinal)
        .Select(path => (Path.GetFileName(path), File.ReadAllText(path)))
        .ToList();

    private static int CountWords(string text) => WordToken().Count(text);

    [Fact]
    public void Corpus_has_at_least_5000_words()
    {
        int words = Corpus.Sum(f => CountWords(f.Text));
        output.WriteLine($"corpus: {Corpus.Count} answers, {words} words");
        Assert.True(words >= 5000, $"{words} words");
    }

    [Fact]
    public void Coverage_and_words_changed_per_1000_words()
    {
        int words = Corpus.Sum(f => CountWords(f.Text));
        int eligible = 0;
        var groupsSeen = new HashSet<int>();
        foreach (var (_, text) in Corpus)
        {
            var scanner = new LexiconScanner(CanaryLexicon.Default, text);
            while (scanner.MoveNext())
            {
                if (scanner.Current.Group.IsMarkup)
                {
                    continue; // list bullets are no words (ListBulletTests covers them)
                }

                eligible++;
                groupsSeen.Add(scanner.Current.Group.Id);
            }
        }

        long changed = 0;
        for (int k = 0; k < Keys; k++)
        {
            var marker = ShippedMarker();
            foreach (var (_, text) in Corpus)
            {
                string[] before = text.Split((char[]?)null);
                string[] after = marker.Mark(text).Split((char[]?)null);
                Assert.Equal(before.Length, after.Length); // a swap never adds or removes whitespace
                changed += before.Zip(after).Count(p => !string.Equals(p.First, p.Second, StringComparison.Ordinal) && p.First is not ("*" or "-"));
            }
        }

        double coverage = eligible * 1000.0 / words;
        double changedPer1000 = changed * 1000.0 / Keys / words;
        output.WriteLine($"words={words} eligible={eligible} coverage={coverage:F1}/1000 distinct-groups={groupsSeen.Count} changed={changedPer1000:F1}/1000 (mean over {Keys} keys)");

        // The figures that matter are measured on real answers (docs/marking.md); this corpus only shows that the shipped
        // lexicon finds and changes words in prose at all, and never more than are eligible.
        Assert.True(eligible > 0 && changed > 0, $"eligible {eligible}, changed {changed}");
        Assert.True(changedPer1000 <= coverage, "cannot change more words than are eligible");
    }

    [Fact]
    public void Code_inline_code_urls_numbers_and_json_come_through_byte_identical()
    {
        for (int k = 0; k < Keys; k++)
        {
            var marker = ShippedMarker();
            foreach (var (name, text) in Corpus)
            {
                string marked = marker.Mark(text);
                Assert.Equal(marked, marker.Mark(marked)); // idempotent
                if (name.EndsWith(".json", StringComparison.Ordinal))
                {
                    Assert.Equal(text, marked);
                    continue;
                }

                foreach (Regex pattern in new[] { FencedCode(), InlineCode(), Url(), Number() })
                {
                    var expected = pattern.Matches(text).Select(m => m.Value).ToList();
                    var actual = pattern.Matches(marked).Select(m => m.Value).ToList();
                    Assert.Equal(expected, actual);
                }
            }
        }
    }

    private static TextMarker ShippedMarker()
    {
        var ring = new CanaryKeyRing(MasterKey.Generate());
        return new TextMarker(CanaryLexicon.Default, LexiconLayers.Create(CanaryLexicon.Default, ring), ring.Global, ring.ForAccount("acct-1"));
    }

    [GeneratedRegex(@"\b[A-Za-z]+\b")]
    private static partial Regex WordToken();

    [GeneratedRegex(@"^(```|~~~)[\s\S]*?^\1", RegexOptions.Multiline)]
    private static partial Regex FencedCode();

    [GeneratedRegex(@"`[^`\n]+`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex Url();

    [GeneratedRegex(@"\d+(?:[.,]\d+)*%?")]
    private static partial Regex Number();
}
