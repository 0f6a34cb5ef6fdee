using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Core.Tests.Lexicon;

namespace CanaryService.Core.Tests.Marking;

/// <summary>The markup channel: the bullet of a top-level unordered list, keyed on its first item's first word.</summary>
public sealed class ListBulletTests
{
    /// <summary>Lists of every kind the scanner must tell apart, with prose, code and headings between them.</summary>
    internal const string Lists = """
        Here are the steps:

        * Install the tool first.
        * Then run it twice.
          * nested stays as it is
          - and so does this one
        * Check the output at the end.

        ## Options

        - Speed matters most.
        - **Memory** is second,
        lazily continued here.
        - Cost is third.
        * A list right after another one.
        * It keeps a bullet unlike the one above.

        Some prose in between, with *emphasis* and a - dash.

        - 42 is no word, so this list is not keyed
        - but it stays consistent

        ```yaml
        - name: inside a fence
        * never changes
        ```

        * * *

        - name: value
        - other: value

        + plus lists are left alone
        + always

        -
        - an empty item above
        -

        Text right above.
        -
        - Usually the first item is simple.
        - Moreover, many users find it helpful.

        x = 1
        - y
        - Tab	separated items
        -	Still the same list
        """;

    private static readonly CanaryLexicon Lexicon = RuleLexicon.WithBullets;
    private static readonly LexiconGroup Bullets = RuleLexicon.WithBullets.Bullets!;

    [Fact]
    public void Every_bullet_of_a_list_takes_the_keyed_form_of_its_first_item()
    {
        const string text = "Intro:\n\n* Alpha one\n* Beta two\n  more of beta\n* Gamma three\n\nDone.";
        var seen = new HashSet<char>();
        for (int k = 0; k < 40; k++)
        {
            var ring = new CanaryKeyRing(MasterKey.Generate());
            var layers = LexiconLayers.Create(Lexicon, ring);
            var marker = new TextMarker(Lexicon, layers, ring.Global, ring.ForAccount("a"));
            string marked = marker.Mark(text);
            LexicalKey key = layers.IsGlobal(Bullets.Index) ? ring.Global : ring.ForAccount("a");
            char keyed = Bullets.Forms[key.PreferredIndex("alpha", Bullets.Id, 2)][0];

            Assert.Equal(text.Replace('*', keyed), marked);
            Assert.Equal(marked, marker.Mark(marked));
            seen.Add(keyed);
        }

        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void Text_other_than_bullets_is_marked_as_without_the_channel_and_protected_lists_keep_their_bullets()
    {
        string[] lines = Lists.Split('\n');
        var changedLines = new HashSet<int>();
        for (int k = 0; k < 60; k++)
        {
            // The word groups' layers do not depend on the markup group, so a marker without it marks the words alike.
            var ring = new CanaryKeyRing(MasterKey.Generate());
            var withBullets = new TextMarker(Lexicon, LexiconLayers.Create(Lexicon, ring), ring.Global, ring.ForAccount("a"));
            var wordsOnly = new TextMarker(RuleLexicon.Instance, LexiconLayers.Create(RuleLexicon.Instance, ring), ring.Global, ring.ForAccount("a"));
            string[] expected = wordsOnly.Mark(Lists).Split('\n');
            string[] marked = withBullets.Mark(Lists).Split('\n');
            Assert.Equal(lines.Length, marked.Length);
            for (int i = 0; i < lines.Length; i++)
            {
                if (expected[i] != marked[i])
                {
                    // Only a bullet at a line start, swapped between * and -.
                    Assert.True(lines[i].Length > 0 && lines[i][0] is '*' or '-' && marked[i][0] is '*' or '-', $"line {i}: {lines[i]} -> {marked[i]}");
                    Assert.Equal(expected[i][1..], marked[i][1..]);
                    changedLines.Add(i);
                }
            }
        }

        // The first list is keyed; the later ones are written with "-", which this answer does not use for its first list,
        // so they stay as written (the answer mixes bullets itself).
        string[] changed = [.. changedLines.Order().Select(i => lines[i])];
        Assert.Equal(["* Install the tool first.", "* Then run it twice.", "* Check the output at the end."], changed);
    }

    [Fact]
    public void Every_later_list_with_the_first_lists_bullet_follows_it_and_others_stay_as_written()
    {
        const string text = "* Alpha\n* Beta\n\n### Next\n\n* Gamma\n* Delta\n\nProse.\n\n- Epsilon\n\nMore.\n\n* Zeta\n";
        var seen = new HashSet<string>();
        for (int k = 0; k < 30; k++)
        {
            string marked = CreateMarker().Mark(text);
            char[] bullets = [.. marked.Split('\n').Where(l => l.Length > 1 && l[1] == ' ').Select(l => l[0])];
            Assert.Equal(6, bullets.Length);
            Assert.All(new[] { 1, 2, 3, 5 }, i => Assert.Equal(bullets[0], bullets[i]));
            Assert.Equal('-', bullets[4]);
            seen.Add(new string(bullets));
        }

        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void A_list_right_after_another_keeps_a_bullet_unlike_its_output()
    {
        const string text = "- Alpha\n- Beta\n* Gamma\n* Delta\n- Epsilon\n";
        for (int k = 0; k < 30; k++)
        {
            string marked = CreateMarker().Mark(text);
            char[] bullets = [.. marked.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[0])];
            Assert.Equal(bullets[0], bullets[1]);
            Assert.Equal(bullets[2], bullets[3]);
            Assert.NotEqual(bullets[1], bullets[2]);
            Assert.NotEqual(bullets[3], bullets[4]);
        }
    }

    [Fact]
    public void The_detector_counts_one_keyed_occurrence_per_eligible_list_in_marked_and_unmarked_text_alike()
    {
        var detector = new LexicalDetector(Lexicon, LexiconLayers.Create(Lexicon, new byte[32]));
        string[] Contexts(string text) => [.. detector.Scan(text).Where(c => c.GroupId == Bullets.Id).Select(c => c.Context)];

        Assert.Equal(["install"], Contexts(Lists));
        for (int k = 0; k < 20; k++)
        {
            Assert.Equal(["install"], Contexts(CreateMarker().Mark(Lists)));
        }

        // One keyed list per answer: the first; the later ones follow it or stay as written.
        Assert.Equal(["alpha"], Contexts("* Alpha\n* Beta\n\n### Next\n\n- Gamma\n"));
        Assert.Equal(["alpha"], Contexts("* Alpha\n* Beta\n\n### Next\n\n* Gamma\n"));
        Assert.Empty(Contexts("- 42 is first\n\nProse.\n\n- Alpha\n"));
        Assert.Equal(["gamma"], Contexts("Run:\n\n```\n- code\n```\n\n- Gamma\n"));
        Assert.Equal(["alpha"], Contexts("* Alpha\n* Beta\n\n  Beta's second paragraph\n- Gamma\n"));
        Assert.Equal(["alpha"], Contexts("* Alpha\n* Beta\nlazy line\n\n- Gamma\n"));
        Assert.Equal(["alpha"], Contexts("* Alpha\n\nA paragraph.\n\n* Gamma\n"));
        Assert.Equal(["key"], Contexts("- **Key point**: first\n- second\n"));
        Assert.Empty(Contexts("- name: yaml\n- id: 3\n"));
        Assert.Empty(Contexts("def f():\n- Alpha\n"));
        Assert.Empty(Contexts(" - Indented top level\n"));
        Assert.Empty(Contexts("{\"a\": 1}\n- Alpha\n"));
    }

    [Fact]
    public void A_prompts_own_list_is_not_counted()
    {
        var detector = new LexicalDetector(Lexicon, LexiconLayers.Create(Lexicon, new byte[32]));
        string[] answers = ["* Alpha one\n* Beta\n", "- Gamma two\n- Delta\n"];
        var all = detector.Collect(answers, []).Where(t => t.GroupId == Bullets.Id).Select(t => t.Context);
        var excluded = detector.Collect(answers, ["Rewrite this:\n\n- Alpha\n- Omega"]).Where(t => t.GroupId == Bullets.Id).Select(t => t.Context);

        Assert.Equal(["alpha", "gamma"], all);
        Assert.Equal(["gamma"], excluded);
    }

    [Fact]
    public void Streaming_equals_whole_text_for_every_cut_and_random_chunkings_under_one_key() => StreamsAsWhole(keys: 1);

    [Fact]
    [Trait("Category", "Simulation")]
    public void Streaming_equals_whole_text_for_every_cut_and_random_chunkings() => StreamsAsWhole(keys: 4);

    private static void StreamsAsWhole(int keys)
    {
        for (int k = 0; k < keys; k++)
        {
            var marker = CreateMarker();
            string expected = marker.Mark(Lists);
            for (int cut = 1; cut < Lists.Length; cut++)
            {
                Assert.Equal(expected, StreamingTextMarkerTests.Stream(new StreamingTextMarker(marker), Lists, [cut]));
            }

            Assert.Equal(expected, StreamingTextMarkerTests.Stream(new StreamingTextMarker(marker), Lists, Enumerable.Range(1, Lists.Length - 1)));
            var random = new Random(k);
            for (int trial = 0; trial < 100; trial++)
            {
                var cuts = new SortedSet<int>();
                for (int i = random.Next(1, 60); i > 0; i--)
                {
                    cuts.Add(random.Next(1, Lists.Length));
                }

                Assert.Equal(expected, StreamingTextMarkerTests.Stream(new StreamingTextMarker(marker), Lists, cuts));
            }
        }
    }

    [Fact]
    public void A_stream_holds_back_a_bullet_only_until_its_first_word_is_complete()
    {
        var stream = new StreamingTextMarker(CreateMarker());
        Assert.Equal("Intro:\n\n", stream.Append("Intro:\n\n* Alp"));
        Assert.Equal("* Alp".Length, stream.HeldBack);
        string decided = stream.Append("ha and more");
        Assert.True(decided.Length > 0 && decided[0] is '*' or '-', decided);
    }

    private static TextMarker CreateMarker()
    {
        var ring = new CanaryKeyRing(MasterKey.Generate());
        return new TextMarker(Lexicon, LexiconLayers.Create(Lexicon, ring), ring.Global, ring.ForAccount("a"));
    }
}
