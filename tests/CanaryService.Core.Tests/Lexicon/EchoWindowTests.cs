using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;

namespace CanaryService.Core.Tests.Lexicon;

/// <summary>
/// The echo window: an author who varied two words of one group close together ("For example … For instance") must
/// not find them made the same by a swap, so neither is rewritten; a stream holds an eligible word back until it has
/// seen the window ahead, and reads exactly as the whole text does.
/// </summary>
public sealed class EchoWindowTests
{
    private static readonly CanaryLexicon Lexicon = RuleLexicon.WithEchoWindow;
    private const int Window = RuleLexicon.EchoWindow;

    /// <summary>Plain words of no group.</summary>
    private static string Filler(int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(i => (i % 5) switch { 0 => "the", 1 => "garden", 2 => "grows", 3 => "by", _ => "stone" }));

    private static List<string> Words(string text) => ScannedOccurrence.ScanWhole(text, Lexicon).Select(o => o.Word).ToList();

    [Fact]
    public void Two_words_of_one_group_within_the_window_are_both_left_alone()
    {
        Assert.Empty(Words("For example, this works. For instance, that works."));
        Assert.Empty(Words($"It usually works, {Filler(Window - 4)} and it typically ends well."));
        Assert.Equal(["example", "instance"], Words($"For example, this. {Filler(Window + 2)}. For instance, that."));
    }

    [Fact]
    public void An_echo_word_of_the_group_closes_the_window_behind_and_ahead_and_is_never_rewritten()
    {
        Assert.Empty(Words("Here are some examples. For instance, this works."));
        Assert.Empty(Words("For instance, this works. More instances follow."));
        Assert.Equal(["instance"], Words($"Here are some examples. {Filler(Window + 2)}. For instance, this works."));
        string text = "Here are some examples. For example, this works.";
        for (int k = 0; k < 20; k++)
        {
            Assert.Equal(text, Marker(MasterKey.Generate()).Mark(text));
        }
    }

    [Fact]
    public void Words_of_other_groups_do_not_close_the_window()
    {
        // "often" and "rarely" are of other groups: "usually" stays eligible beside them.
        Assert.Equal(["usually", "often", "rarely"], Words("It usually works, we often retry and it rarely fails."));
    }

    [Fact]
    public void A_group_word_in_code_ahead_closes_the_window_of_prose_before_it()
    {
        string text = "It usually goes like this:\n\n    x = typically()\n\nDone.";
        Assert.DoesNotContain("usually", Words(text));
        Assert.Contains("usually", Words($"It usually goes like this: {Filler(Window + 2)}.\n\n    x = typically()\n\nDone."));
    }

    [Fact]
    public void The_window_holds_exactly_its_runs_of_letters_and_a_word_counts_only_as_a_whole_run_in_ASCII_case()
    {
        // Runs of letters are counted, so "it's" is two; the group's word as the window's last run closes it, one run later not.
        Assert.Empty(Words($"For example, it's {Filler(Window - 3)} instances."));
        Assert.Equal(["example"], Words($"For example, it's {Filler(Window - 2)} instances."));

        // Any ASCII case closes it; a longer run, a run of other letters or a look-alike letter does not.
        Assert.Empty(Words("For example, see the INSTANCES."));
        Assert.Equal(["example"], Words("For example, see the instancesx and xinstance."));
        Assert.Equal(["example"], Words("For example, see the in\u017Ftance.")); // a long s: "in" and "tance" are the runs

        // The same in a stream cut anywhere.
        string text = $"For example, it's {Filler(Window - 3)} INSTANCES {Filler(Window + 1)}. For example, in\u017Ftance {Filler(Window)} and instancesx.";
        List<ScannedOccurrence> whole = ScannedOccurrence.ScanWhole(text, Lexicon);
        Assert.Single(whole);
        for (int cut = 1; cut < text.Length; cut++)
        {
            Assert.Equal(whole, ScannedOccurrence.ScanInChunks(text, [cut], Lexicon));
        }
    }

    [Fact]
    public void A_window_read_across_many_small_pieces_scans_as_the_whole_text_does()
    {
        // The look-ahead of a held word goes on where the previous piece left it: words of the group that arrive split
        // over pieces, grow past a group word ("instancesx"), or come just inside or just outside the window.
        string apart = $" {Filler(Window + 2)}. ";
        string text = $"For example, {Filler(Window - 4)} instancesx {Filler(3)}." + apart +
                      $"For example, {Filler(Window - 3)} exam ples INSTANCES." + apart +
                      $"For example, {Filler(Window)} instances." + apart +
                      $"For example, it's {Filler(Window - 3)} instances.";
        List<ScannedOccurrence> whole = ScannedOccurrence.ScanWhole(text, Lexicon);
        Assert.Equal([0, text.IndexOf("For example, " + Filler(Window) + " ", StringComparison.Ordinal)], whole.Select(o => o.Start - "For ".Length));
        Assert.Equal(whole, ScannedOccurrence.ScanInChunks(text, [.. Enumerable.Range(1, text.Length - 1)], Lexicon));
        var random = new Random(11);
        for (int trial = 0; trial < 100; trial++)
        {
            var cuts = new List<int>();
            for (int cut = random.Next(1, 6); cut < text.Length; cut += random.Next(1, 6))
            {
                cuts.Add(cut);
            }

            Assert.Equal(whole, ScannedOccurrence.ScanInChunks(text, cuts, Lexicon));
        }
    }

    [Fact]
    public void Every_split_of_a_stream_scans_as_the_whole_text_does()
    {
        string text = $"Use it often. {Filler(Window - 3)}, and it often helps; typically {Filler(Window + 5)} it usually ends.\n" +
                      $"For example, {Filler(Window / 2)} quickly. For instance {Filler(Window + 1)} quickly. Some examples " +
                      $"{Filler(Window - 1)} for instance, {Filler(Window + 3)} and for example.";
        List<ScannedOccurrence> whole = ScannedOccurrence.ScanWhole(text, Lexicon);
        Assert.NotEmpty(whole);
        Assert.NotEqual(whole.Count, ScannedOccurrence.ScanWhole(text).Count); // the window ruled some out
        for (int cut = 1; cut < text.Length; cut++)
        {
            Assert.Equal(whole, ScannedOccurrence.ScanInChunks(text, [cut], Lexicon));
        }

        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            int[] cuts = [.. Enumerable.Range(0, 12).Select(_ => random.Next(1, text.Length)).Distinct().Order()];
            Assert.Equal(whole, ScannedOccurrence.ScanInChunks(text, cuts, Lexicon));
        }
    }

    [Fact]
    public void A_stream_holds_an_eligible_word_back_until_the_window_ahead_is_complete_and_no_longer()
    {
        var stream = new StreamingTextMarker(Marker(MasterKey.Generate()));
        Assert.Equal("It is ", stream.Append("It is typically "));
        Assert.Equal("", stream.Append(Filler(Window - 2) + " "));          // the window ahead is not complete yet
        string released = stream.Append(Filler(4) + " ");                  // now it is: the word and the window go out
        Assert.Contains(released.Split(' ')[0], new[] { "typically", "usually", "normally" });
        Assert.StartsWith("the garden", released[(released.IndexOf(' ', StringComparison.Ordinal) + 1)..], StringComparison.Ordinal);
        Assert.True(stream.HeldBack <= "stone ".Length, $"held back {stream.HeldBack} characters");
    }

    [Fact]
    public void Marking_keeps_the_author_variety_for_every_key_and_is_idempotent()
    {
        string text = $"For example, it holds. For instance, it stops. {Filler(Window + 3)}. We usually stop.";
        int rewroteFar = 0;
        for (int k = 0; k < 40; k++)
        {
            var marker = Marker(MasterKey.Generate());
            string marked = marker.Mark(text);
            Assert.StartsWith("For example, it holds. For instance, it stops.", marked, StringComparison.Ordinal);
            Assert.Equal(marked, marker.Mark(marked));
            Assert.Equal(ScannedOccurrence.ScanWhole(text, Lexicon).Select(o => (o.Start, o.GroupId)),
                ScannedOccurrence.ScanWhole(marked, Lexicon).Select(o => (o.Start, o.GroupId)));
            rewroteFar += marked.EndsWith("We usually stop.", StringComparison.Ordinal) ? 0 : 1;
        }

        Assert.InRange(rewroteFar, 1, 39); // the lone word outside the window is marked as usual, by its key
    }

    [Theory]
    [InlineData("1 | a b | echo c\n2 | c d")]
    [InlineData("1 | a b | echo c\n2 | d e | echo c")]
    [InlineData("1 | a b | echo C")]
    [InlineData("echo-window -1\n1 | a b")]
    [InlineData("echo-window many\n1 | a b")]
    [InlineData("echo-window 5000\n1 | a b")]
    public void A_malformed_window_or_echo_word_is_a_format_error_naming_the_line(string text)
    {
        var error = Assert.Throws<FormatException>(() => CanaryLexicon.Parse(text));
        Assert.Matches("line [12]", error.Message);
    }

    private static TextMarker Marker(MasterKey master)
    {
        var ring = new CanaryKeyRing(master);
        return new TextMarker(Lexicon, LexiconLayers.Create(Lexicon, ring), ring.Global, ring.ForAccount("acct-1"));
    }
}
