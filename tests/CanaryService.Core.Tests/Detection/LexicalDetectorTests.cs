using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Ports;

namespace CanaryService.Core.Tests.Detection;

public sealed class LexicalDetectorTests
{
    private static readonly CanaryKeyRing KeyRing = new(MasterKey.Generate());
    private static readonly CanaryLexicon Lexicon = CanaryService.Core.Tests.Text.RuleLexicon.Instance;
    private static readonly LexicalDetector Detector = new(Lexicon, LexiconLayers.Create(Lexicon, KeyRing));

    private static Transcript Run(string runId, params (string Prompt, string? Answer)[] exchanges) =>
        new("acme", runId, DateTimeOffset.UnixEpoch, exchanges.Select(e => new ProbeExchange("open", null, null, e.Prompt, e.Answer, null, DateTimeOffset.UnixEpoch)).ToArray());

    [Fact]
    public void Scan_sees_what_the_shared_scanner_sees()
    {
        int usual = Lexicon.Groups.Single(g => g.Forms.Contains("usually")).Id;
        var contexts = Detector.Scan("Typically the build is fast. It usually works. Type `usually` in code.")
            .Where(c => c.GroupId == usual)
            .ToArray();
        Assert.Equal([("^", 0), ("it", 1)], contexts.Select(c => (c.Context, c.ObservedIndex)).ToArray());
        Assert.All(contexts, c => Assert.Equal(3, c.GroupSize));
    }

    [Fact]
    public void Each_context_counts_once_at_its_first_occurrence_and_prompt_contexts_are_dropped()
    {
        var contexts = Detector.Collect(
            ["It usually works. It typically works. We often retry.", "It normally works. They usually fail."],
            ["Does he normally fail? We often retry, right?"]);

        // "it usually" first (then "it typically"/"it normally" repeat the same (context, group)); "we often" was in the prompt.
        Assert.Equal([("it", "usually"), ("they", "usually")], contexts.Select(c => (c.Context, Form(c))).ToArray());
    }

    [Fact]
    public void A_longer_history_extends_the_contexts_of_a_shorter_one()
    {
        Transcript first = Run("r1", ("Tell me about caches.", "It usually helps. We often retry."));
        Transcript second = Run("r2", ("Why does it usually help?", "It typically helps. They often fail. It seldom breaks."), ("x", null));
        var shorter = Detector.Collect([first]);
        var longer = Detector.Collect([first, second]);

        Assert.Equal(shorter, longer.Take(shorter.Count));
        // Run 2's prompt holds "it usually": too late to drop run 1's context, and its own repeat is a duplicate anyway.
        Assert.Equal([("it", "usually"), ("we", "often"), ("they", "often"), ("it", "seldom")], longer.Select(c => (c.Context, Form(c))).ToArray());
    }

    [Fact]
    public void Groups_are_split_between_the_layers_by_the_key_ring()
    {
        var answers = Simulation.TeacherProse.Answers(Lexicon, 5_000, seed: 1);
        var contexts = Detector.Collect(answers, []);
        var layers = LexiconLayers.Create(Lexicon, KeyRing);
        Assert.All(contexts, c => Assert.Equal(layers.IsGlobal(Lexicon.Groups.Single(g => g.Id == c.GroupId).Index), c.Layer == LexicalLayer.Global));
        Assert.Contains(contexts, c => c.Layer == LexicalLayer.Global);
        Assert.Contains(contexts, c => c.Layer != LexicalLayer.Global);
        Assert.Equal(contexts.Count, contexts.DistinctBy(c => (c.Context, c.GroupId)).Count());
    }

    private static string Form(LexicalContext context) =>
        Lexicon.Groups.Single(g => g.Id == context.GroupId).Forms[context.ObservedIndex];
}
