using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.LexiconTool;

namespace CanaryService.Core.Tests.Lexicon;

public sealed class LexiconBuildTests
{
    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CanaryService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    public void The_shipped_lexicon_is_exactly_what_the_build_makes_of_the_committed_candidates_and_evidence()
    {
        string root = Root();
        Assert.Equal(File.ReadAllText(LexiconFiles.Shipped(root)), LexiconFiles.BuildText(root));
    }

    [Fact]
    public void A_context_where_real_text_avoids_a_form_is_guarded_and_an_unseen_one_is_not()
    {
        var candidates = LexiconBuild.ParseCandidates("""
            1 r | often frequently
            2 r | soon shortly | drop shortly also means curtly
            3 a | big large
            """);
        var evidence = LexiconBuild.ParseEvidence("""
            wordnet	1	1
            total	1	900	100
            left	1	is	90	0
            left	1	are	45	5
            right	1	than	40	1
            right	1	used	18	2
            wordnet	3	4
            total	3	10	10
            """);
        var report = new List<string>();
        var lexicon = CanaryLexicon.Parse(LexiconBuild.Build(candidates, evidence, report));

        var often = Assert.Single(lexicon.Groups, g => !g.IsMarkup);
        Assert.Equal(CanaryLexicon.BulletGroupId, lexicon.Bullets?.Id); // the build always ships the bullet group
        Assert.Equal(["is"], often.NotAfter!);   // expected 9 "is frequently", saw none; "are" is at the overall share
        Assert.Equal(["than"], often.NotBefore!); // expected 4.1, saw 1
        Assert.Contains(report, r => r.StartsWith("2\t", StringComparison.Ordinal) && r.Contains("dropped", StringComparison.Ordinal));
        Assert.Contains(report, r => r.StartsWith("3\t", StringComparison.Ordinal) && r.Contains("WordNet", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Guerrilla fighters employ guerrilla tactics against our people.")]
    [InlineData("Secrets hide in plain sight, and I remain loyal to my friends.")]
    [InlineData("This sets the stage for complex social structures.")]
    [InlineData("The analysis revealed an intriguing pattern, ultimately reducing costs.")]
    [InlineData("It is not often that we see it; it is often bigger and often depends on the weather.")]
    [InlineData("Take calculated risks and leave a scent trail.")]
    public void Swaps_a_careful_editor_faulted_are_never_made(string sentence)
    {
        for (int k = 0; k < 40; k++)
        {
            var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(k, MasterKey.MinimumLength).Select(b => (byte)b).ToArray()));
            var marker = new TextMarker(CanaryLexicon.Default, LexiconLayers.Create(CanaryLexicon.Default, ring), ring.Global, ring.ForAccount("acct"));
            Assert.Equal(sentence, marker.Mark(sentence));
        }
    }

    [Theory]
    [InlineData("SELECT name FROM people WHERE age > 30;\nSELECT COUNT(*) FROM lawyers;")]
    [InlineData("const people = getPeople();\nsortByAge(people);\nconsole.log(people.length);")]
    [InlineData("def is_leap(year):\n    return 'leap year' if year % 4 == 0 else 'common year'")]
    [InlineData("$ grep -r example .\n>>> print('for example')")]
    [InlineData("Set the flag with 'for example, moreover' and run it.")]
    public void Code_and_quoted_literals_come_through_byte_identical(string code)
    {
        // The prose either side of the code is further apart than the echo window, so that the last sentence's word is
        // eligible however many words of its group the code holds.
        string far = string.Join(' ', Enumerable.Repeat("the garden grows by stone", CanaryLexicon.Default.EchoWindow / 5 + 2));
        string answer = "For example, this works.\n\n" + code + "\n\n" + far + ". For example, that works too.";
        int changedProse = 0;
        for (int k = 0; k < 40; k++)
        {
            var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(k, MasterKey.MinimumLength).Select(b => (byte)(b * 7)).ToArray()));
            var marker = new TextMarker(CanaryLexicon.Default, LexiconLayers.Create(CanaryLexicon.Default, ring), ring.Global, ring.ForAccount("acct"));
            string marked = marker.Mark(answer);
            Assert.Contains("\n\n" + code + "\n\n", marked, StringComparison.Ordinal);
            changedProse += marked == answer ? 0 : 1;
        }

        Assert.True(changedProse > 0, "the prose around the code is marked for some keys");
    }

    [Fact]
    public void The_change_listing_passes_over_swapped_bullets_and_lists_the_words()
    {
        var changes = CanaryService.LexiconTool.Changes.Diff("m", "* Alpha is often fine\n* Beta", "- Alpha is frequently fine\n- Beta").ToList();

        var change = Assert.Single(changes);
        Assert.Equal(("often", "frequently"), (change.Original, change.Marked));
        Assert.Equal(0, CanaryService.LexiconTool.Changes.Eligible("Intro:\n\n* Alpha\n* Beta\n"));
    }
}
