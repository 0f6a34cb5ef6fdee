using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Probing;

namespace CanaryService.Core.Tests.Detection;

public sealed class LexicalDetectorTests
{
    // A fixed key: which groups fall in which layer is the key's draw, and the layer test below needs a draw that does
    // not put the few frequent groups all on one side (with a fresh key each run it failed now and then).
    private static readonly CanaryKeyRing KeyRing = new(MasterKey.FromBytes(Enumerable.Range(11, MasterKey.MinimumLength).Select(b => (byte)b).ToArray()));
    private static readonly LexicalDetector Detector = new(CanaryService.Core.Tests.Lexicon.RuleLexicon.Instance, LexiconLayers.Create(CanaryService.Core.Tests.Lexicon.RuleLexicon.Instance, KeyRing));

    private static Transcript Run(string runId, params (string Prompt, string? Answer)[] exchanges) =>
        new("acme", runId, DateTimeOffset.UnixEpoch, exchanges.Select(e => new ProbeExchange("open", null, null, e.Prompt, e.Answer, null, DateTimeOffset.UnixEpoch)).ToArray());

    [Fact]
    public void Scan_sees_what_the_shared_scanner_sees()
    {
        int usual = CanaryService.Core.Tests.Lexicon.RuleLexicon.Instance.Groups.Single(g => g.Forms.Contains("usually")).Id;
        var contexts = Detector.Scan("Typically the build is fast. It usually works. Type `usually` in code.")
            .Where(c => c.GroupId == usual)
            .ToArray();
        Assert.Equal([("^", 0), ("it", 1)], contexts.Select(c => (c.Context, c.ObservedIndex)).ToArray());
        Assert.All(contexts, c => Assert.Equal(3, c.GroupSize));
    }

    [Fact]
    public void Every_occurrence_is_counted_per_context_and_prompt_contexts_are_dropped()
    {
        var contexts = Detector.Collect(
            ["It usually works. It typically works. We often retry.", "It normally works. They usually fail."],
            ["Does he normally fail? We often retry, right?"]);

        // "it" + the usually group three times (usually, typically, normally); "we often" was in the prompt.
        Assert.Equal([("it", 3), ("they", 1)], contexts.Select(c => (c.Context, c.Total)).ToArray());
        Assert.Equal("usually", Form(contexts[1]));
        LexicalTally it = contexts[0];
        Assert.All(it.Counts.ToArray(), n => Assert.Equal(1, n));
        Assert.False(it.IsSettled);   // fewer than LexicalTally.SettleCount occurrences: no e-value bet yet
    }

    [Fact]
    public void A_longer_history_extends_the_tallies_of_a_shorter_one()
    {
        Transcript first = Run("r1", ("Tell me about caches.", "It usually helps. We often retry."));
        Transcript second = Run("r2", ("Why does it usually help?", "It typically helps. They often fail. It seldom breaks. We often wait."), ("x", null));
        var shorter = Detector.Collect([first]);
        var longer = Detector.Collect([first, second]);

        Assert.Equal(
            shorter.Select(t => (t.Context, t.GroupId, t.FirstRun)),
            longer.Take(shorter.Count).Select(t => (t.Context, t.GroupId, t.FirstRun)));

        // Run 2's prompt holds "it usually": run 1's occurrence stays, run 2's "it typically" is not counted. "we often"
        // gains a second-run occurrence.
        Assert.Equal(
            [("it", "usually", 1, 0), ("we", "often", 2, 0), ("they", "often", 1, 1), ("it", "seldom", 1, 1)],
            longer.Select(t => (t.Context, Form(t), t.Total, t.FirstRun)).ToArray());
    }

    [Fact]
    public void A_pair_is_settled_at_the_end_of_the_run_that_reaches_the_settle_count_and_stays_so()
    {
        var tally = new LexicalTally("^", 1, 3, LexicalLayer.Global);
        tally.Add(0, 0, 5);
        Assert.Equal((false, -1, 0), (tally.IsSettled, tally.SettledRun, tally.SettledCounts.Length));
        tally.Add(1, 1, LexicalTally.SettleCount - 5);
        Assert.Equal((true, 1), (tally.IsSettled, tally.SettledRun));   // the history ends with run 1
        tally.Add(1, 1, 2).Add(2, 2, 10);
        Assert.Equal((true, 1), (tally.IsSettled, tally.SettledRun));
        Assert.Equal([5, LexicalTally.SettleCount - 3, 0], tally.SettledCounts.ToArray());
        Assert.Equal([5, LexicalTally.SettleCount - 3, 10], tally.Counts.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>("run", () => tally.Add(0, 1));
    }

    [Fact]
    public void Groups_are_split_between_the_layers_by_the_key_ring()
    {
        var answers = Simulation.TeacherProse.Answers(CanaryService.Core.Tests.Lexicon.RuleLexicon.Instance, 20_000, seed: 1);
        var contexts = Detector.Collect(answers, []);
        int global = contexts.Count(c => c.Layer == LexicalLayer.Global);
        Assert.InRange(global, contexts.Count / 4, 3 * contexts.Count / 4);
        Assert.Equal(contexts.Count, contexts.DistinctBy(c => (c.Context, c.GroupId)).Count());
    }

    /// <summary>The form written most often in the tally (the first on a tie).</summary>
    private static string Form(LexicalTally tally)
    {
        int best = 0;
        for (int f = 1; f < tally.GroupSize; f++)
        {
            best = tally.Counts[f] > tally.Counts[best] ? f : best;
        }

        return CanaryService.Core.Tests.Lexicon.RuleLexicon.Instance.Groups.Single(g => g.Id == tally.GroupId).Forms[best];
    }

}
