namespace CanaryService.Core.Tests.Lexicon;

public sealed class LexiconScannerTests
{
    private static List<string> Words(string text) => ScannedOccurrence.ScanWhole(text).Select(o => o.Word).ToList();

    private static List<(string Word, string Context)> Pairs(string text) =>
        ScannedOccurrence.ScanWhole(text).Select(o => (o.Word, o.Context)).ToList();

    [Fact]
    public void Yields_occurrences_with_the_previous_word_or_sentence_start_as_context()
    {
        var pairs = Pairs("Typically the build is fast. It usually works. Moreover, it often helps.");

        Assert.Equal(
            [("Typically", "^"), ("usually", "it"), ("Moreover", "^"), ("often", "it")],
            pairs);
    }

    [Fact]
    public void Words_are_found_in_lower_and_sentence_case_and_the_context_is_the_previous_word_lower_cased_in_every_split()
    {
        // ALL-CAPS words are keywords or acronyms, and a capital mid-sentence or before another capital is a name: skipped.
        const string text = "The TEAMS usually win. Often our Build frequently helps, and Tests Frequently fail. NUMEROUS here. Usually Python runs.";
        List<ScannedOccurrence> whole = ScannedOccurrence.ScanWhole(text);

        Assert.Equal(
            [("usually", "teams"), ("Often", "^"), ("frequently", "build")],
            whole.Select(o => (o.Word, o.Context)).ToList());
        for (int cut = 1; cut < text.Length; cut++)
        {
            Assert.Equal(whole, ScannedOccurrence.ScanInChunks(text, [cut]));
        }
    }

    [Fact]
    public void Start_only_groups_are_not_eligible_mid_sentence()
    {
        Assert.Empty(Words("It is moreover true."));
        Assert.Equal(["Additionally"], Words("Additionally it is true."));
    }

    [Theory]
    [InlineData("How many of them are there?")]
    [InlineData("There are many of them.")]
    [InlineData("I have so many.")]
    [InlineData("We saw many.")]
    [InlineData("Many believe it.")]
    public void Guards_stop_swaps_that_would_be_wrong(string text) => Assert.DoesNotContain("many", Words(text).Select(w => w.ToLowerInvariant()));

    [Fact]
    public void Guarded_word_is_eligible_where_the_guard_does_not_apply()
    {
        Assert.Equal(["many"], Words("There are many options here."));
        Assert.Equal(["For", "example"], Words("For example, this works.").Where(w => w == "example").Prepend("For").ToList());
        Assert.Empty(Words("This example works."));
    }

    [Fact]
    public void Comma_rule_and_article_rule()
    {
        Assert.Equal(["Finally"], Words("Finally, we are done."));
        Assert.Empty(Words("Finally we are done."));
        // huge/enormous/massive disagree on a/an, so never after either.
        Assert.Empty(Words("It is a huge task and an enormous one."));
        Assert.Equal(["huge"], Words("It is huge."));
    }

    [Fact]
    public void Every_group_is_eligible_exactly_where_its_guards_say()
    {
        // The scanner's eligibility against the guards as LexiconGroup states them, for every group, after and before
        // words from its own rules: a change to how the scanner reads the guards (a compact lexicon layout, say) must keep this.
        var lexicon = CanaryService.Core.Lexicon.CanaryLexicon.Default;
        int checkedCases = 0;
        foreach (var group in lexicon.Groups.Where(g => !g.IsMarkup))
        {
            string[] contexts = ["^", "it", "a", "an", "the", .. group.OnlyAfter ?? [], .. group.NotAfter ?? []];
            string[] nextTokens = ["$", "data", "of", ",", ".", .. group.NotBefore ?? [], .. group.OnlyBefore ?? []];
            foreach (string context in contexts.Distinct())
            {
                foreach (string next in nextTokens.Distinct())
                {
                    if (next.Length == 1 && !char.IsAsciiLetter(next[0]) && (next[0] is '#' or '$' || char.IsWhiteSpace(next[0]) || next[0] > '~'))
                    {
                        continue; // "#" and "$" are what no other key gives; a space or a non-ASCII character are not written here
                    }

                    int formIndex = checkedCases % group.Forms.Length;
                    string form = group.Forms[formIndex];
                    string lead = context switch
                    {
                        "^" => "Yes. ",
                        "#" => "Run `x` ",
                        _ => $"We saw {context} ",
                    };
                    bool word = next.All(char.IsAsciiLetter);
                    string after = next == "$" ? string.Empty : word ? " " + next : next + " end";
                    string text = $"{lead}{form}{after}";
                    bool expected =
                        group.IsSource(formIndex)
                        && (group.OnlyAfter is null || group.OnlyAfter.Contains(context))
                        && (group.NotAfter is null || !group.NotAfter.Contains(context))
                        && !(group.MixedArticle && context is "a" or "an")
                        && (!group.RequiresComma || next == ",")
                        && (!group.RequiresNextWord || word)
                        && (group.NotBefore is null || !word || !group.NotBefore.Contains(next))
                        && (group.OnlyBefore is null || group.OnlyBefore.Contains(next));
                    bool found = ScannedOccurrence.ScanWhole(text, lexicon).Any(o => o.Word == form && o.Context == context);
                    Assert.True(expected == found, $"group {group.Id}: '{text}' should {(expected ? string.Empty : "not ")}be eligible");
                    checkedCases++;
                }
            }
        }

        Assert.True(checkedCases > 1_000, $"only {checkedCases} cases");
    }

    [Fact]
    public void Protected_regions_are_skipped()
    {
        const string text = """
            Usually this works.

            ```bash
            # typically run this
            echo usually
            ```

            Run `typically --often` and visit https://example.com/usually or mail often@example.com.
            The file /usr/share/usually and C:\often\typically are kept, as are 3 numerous_things and v2usually.
            He said "usually it rains" and “typically often” too.

                indented typically code
                usually more code

            ~~~
            often in a tilde fence
            ~~~
            Finally, typically.
            """;

        var words = Words(text);

        Assert.Equal(["Usually", "Finally", "typically"], words);
    }

    [Fact]
    public void Single_quoted_strings_are_skipped_but_apostrophes_are_not_quotes()
    {
        Assert.Equal(["often"], Words("Print 'usually works' and it's often fine."));
        Assert.Equal(["often"], Words("The ‘typically’ label doesn't often apply."));
        Assert.Equal(["usually"], Words("Call it 'don't usually' no more: it usually works."));
    }

    [Theory]
    [InlineData("const people = choose(usually);\nsortByAge(people, often);")]
    [InlineData("def choose(often):\n    return usually\n\n    print(typically)")]
    [InlineData("SELECT name, often\nFROM people\nWHERE usually > 3;")]
    [InlineData("$ choose --often\n>>> usually()")]
    [InlineData("x = often + usually\ntotal += typically")]
    [InlineData("if (often) {\n  choose(usually);\n}")]
    [InlineData("#include <usually.h>\nint main() { return often; }")]
    [InlineData("<div>usually often</div>")]
    [InlineData("// usually this\n/* often that */")]
    [InlineData("import often\nfrom usually import typically")]
    public void Unfenced_code_lines_are_skipped_in_every_split(string code)
    {
        string text = "Here is how it usually goes:\n\n" + code + "\n\nIt often works.";
        Assert.Equal(["usually", "often"], Words(text));
        List<ScannedOccurrence> whole = ScannedOccurrence.ScanWhole(text);
        for (int cut = 1; cut < text.Length; cut++)
        {
            Assert.Equal(whole, ScannedOccurrence.ScanInChunks(text, [cut]));
        }
    }

    [Fact]
    public void Prose_lines_are_not_mistaken_for_code()
    {
        Assert.Equal(["Usually", "often", "usually"], Words("Usually it works.\n- It often helps.\n1. We usually win."));
        Assert.Equal(["often"], Words("# Heading\nIt often works."));
    }

    [Fact]
    public void A_one_way_group_yields_only_its_source_forms_so_marked_text_scans_the_same()
    {
        Assert.Equal([("utilize", "we")], Pairs("We utilize tools and use them."));
        var marker = CanaryService.Core.Tests.Marking.TextMarkerTests.CreateMarker();
        for (int k = 0; k < 20; k++)
        {
            string marked = marker.Mark($"Teams {k} utilize tools; we use them and they utilize more.");
            Assert.Equal(marked, marker.Mark(marked));
            Assert.Contains("; we use them", marked, StringComparison.Ordinal); // "use" is never written back as "utilize"
        }
    }

    [Fact]
    public void Before_guard_reads_the_next_word_punctuation_or_line_end_in_every_split()
    {
        const string text = "Move quickly. Move quickly now, act rapidly, go quickly\nThen rapidly; stop quickly (see) and rapidly";
        List<ScannedOccurrence> whole = ScannedOccurrence.ScanWhole(text);

        Assert.Equal([("quickly", "move"), ("rapidly", "act"), ("quickly", "go"), ("rapidly", "then"), ("rapidly", "and")], whole.Select(o => (o.Word, o.Context)).ToList());
        for (int cut = 1; cut < text.Length; cut++)
        {
            Assert.Equal(whole, ScannedOccurrence.ScanInChunks(text, [cut]));
        }
    }

    [Fact]
    public void Context_after_protected_region_is_hash()
    {
        Assert.Equal([("usually", "#")], Pairs("Run `make` usually."));
        Assert.Equal([("Usually", "^")], Pairs("Version 3. Usually it works."));
    }

    [Fact]
    public void Json_response_is_left_alone()
    {
        Assert.Empty(Words("""  {"text": "typically usually often"}"""));
        Assert.Empty(Words("""[ "typically" ]"""));
    }

    [Fact]
    public void Non_english_words_and_mixed_case_are_skipped()
    {
        Assert.Empty(Words("Это typicallyд обычно"));
        Assert.Empty(Words("The TyPically word."));
        Assert.Empty(Words("It is TYPICALLY fine. SELECT name FROM people;"));
    }

    [Fact]
    public void Context_follows_the_output_form_chosen_by_the_marker()
    {
        var scanner = new CanaryService.Core.Lexicon.LexiconScanner(RuleLexicon.Instance, "It is often typically fine.");
        Assert.True(scanner.MoveNext());
        Assert.Equal("often", scanner.Current.Context.ToString() == "is" ? "often" : "?");
        scanner.SetOutputForm(1); // frequently
        Assert.True(scanner.MoveNext());
        Assert.Equal("frequently", scanner.Current.Context.ToString());
    }

    [Fact]
    public void Huge_token_with_many_words_does_not_recurse()
    {
        string text = string.Concat(Enumerable.Repeat("often,", 200_000));
        Assert.Equal(200_000, Words(text).Count);
    }

    [Fact]
    public void Chunked_scan_equals_whole_scan_for_random_chunkings()
    {
        string text = TestTexts.Mixed;
        var whole = ScannedOccurrence.ScanWhole(text);
        Assert.NotEmpty(whole);
        var random = new Random(1234);
        for (int trial = 0; trial < 300; trial++)
        {
            var cuts = new SortedSet<int>();
            int count = random.Next(1, 60);
            for (int i = 0; i < count; i++)
            {
                cuts.Add(random.Next(0, text.Length + 1));
            }

            var chunked = ScannedOccurrence.ScanInChunks(text, cuts);
            Assert.Equal(whole, chunked);
        }

        // every single-character chunking too
        Assert.Equal(whole, ScannedOccurrence.ScanInChunks(text, Enumerable.Range(1, text.Length - 1)));
    }
}

internal static class TestTexts
{
    public const string Mixed = """
        Typically, you configure the service first. Moreover, many teams usually keep numerous options here.
        How many of them matter? For example, the build is often quick.

        ```python
        # typically often usually
        print("many")
        ```

        Finally, run `make often` and open https://example.com/often. There are many people here 😀 who often ask.
        1. Usually the answer is simple.
        2. Additionally it is frequently straightforward, and it is a huge relief.

            indented often code

        ~~~~
        often
        ~~~
        still often inside
        ~~~~
        He said "often usually" but typically not. Ultimately, it works — usually.
        """;
}
