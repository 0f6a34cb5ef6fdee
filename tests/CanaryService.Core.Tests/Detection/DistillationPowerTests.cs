using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Core.Phrases;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;
using CanaryService.Core.Tests.Detection.Simulation;
using Xunit.Abstractions;

namespace CanaryService.Core.Tests.Detection;

/// <summary>
/// Power: a bigram student trained on answers marked by the real <see cref="TextMarker"/> (global key plus one
/// account's key) is caught from at most 20,000 words of its output, and attributed to that account; the same
/// student trained on the unmarked answers is not.
/// </summary>
public sealed class DistillationPowerTests(ITestOutputHelper output)
{
    private const int StudentWords = 80_000;
    private static readonly CanaryKeyRing KeyRing = new(MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
    private static readonly LexiconLayers Layers = LexiconLayers.Create(CanaryLexicon.Default, KeyRing);
    private static readonly IReadOnlyList<string> TeacherAnswers = TeacherProse.Answers(CanaryLexicon.Default, 200_000, seed: 3);

    private static IReadOnlyList<string> StudentOutput(bool marked)
    {
        var marker = new TextMarker(CanaryLexicon.Default, Layers, KeyRing.Global, KeyRing.ForAccount("key-leaker"));
        var training = marked ? TeacherAnswers.Select(marker.Mark).ToArray() : TeacherAnswers;
        return BigramStudent.Train(training).Generate(StudentWords, seed: 11);
    }

    [Trait("Category", "Simulation")]
    [Fact]
    public void A_student_of_marked_answers_is_detected_and_attributed_and_one_of_unmarked_answers_is_not()
    {
        var assessor = new DistillationAssessor(KeyRing);
        AccountIssuance[] accounts =
        [
            new("key-leaker", 5_000, new Dictionary<(string, string), long>()),
            new("key-innocent", 9_000, new Dictionary<(string, string), long>()),
            new("key-small", 3, new Dictionary<(string, string), long>()),
        ];

        DistillationAssessment distilled = assessor.Assess([Transcript(StudentOutput(marked: true))], [], accounts);
        DistillationAssessment clean = assessor.Assess([Transcript(StudentOutput(marked: false))], [], accounts);
        foreach (var (name, a) in new[] { ("marked", distilled), ("unmarked", clean) })
        {
            foreach (DetectionTestResult t in a.Tests)
            {
                output.WriteLine($"{name} student: {t.Family}/{t.KeyId} n={t.N} matches={t.Matches} p={t.PValue.PValue:G3} ({t.PValue.Method}) e={t.EValue:G3} {t.Verdict}");
            }
        }

        // How little output suffices: the first answers of the marked student's output, scored alone.
        var markedOutput = StudentOutput(marked: true);
        var detector = new LexicalDetector(CanaryLexicon.Default, Layers);
        foreach (int words in new[] { 250, 500, 1_000, 2_000 })
        {
            var prefix = markedOutput.Take(Math.Max(1, markedOutput.Count * words / StudentWords)).ToArray();
            var score = detector.Score(prefix, [], KeyRing.Global, LexicalLayer.Global);
            output.WriteLine($"marked student, first ~{words} words: n={score.N} p={score.PValue.PValue:G3} e={score.EValue:G3}");
        }

        DetectionTestResult global = distilled.Tests.Single(t => t.Family == "lexical" && t.KeyId == "global");
        Assert.True(global.PValue.PValue < 1e-6, $"marked student: p = {global.PValue.PValue}");
        Assert.True(global.Significant);
        Assert.Equal(DetectionVerdicts.Distilled, distilled.Verdict);
        Assert.Equal("key-leaker", distilled.AttributedAccount);
        Assert.DoesNotContain(distilled.Tests, t => t.KeyId == "account:key-small");
        Assert.False(distilled.Tests.Single(t => t.KeyId == "account:key-innocent").Significant);

        DetectionTestResult cleanGlobal = clean.Tests.Single(t => t.Family == "lexical" && t.KeyId == "global");
        Assert.True(cleanGlobal.PValue.PValue >= 1e-6, $"unmarked student: p = {cleanGlobal.PValue.PValue}");
        Assert.Equal(DetectionVerdicts.NotDetected, clean.Verdict);
        Assert.Null(clean.AttributedAccount);
    }

    [Fact]
    public void A_competitor_repeating_canary_phrasings_is_detected_over_two_runs_and_the_evidence_drafts_are_complete()
    {
        var generator = new PhraseCanaryGenerator(KeyRing);
        var canaries = Enumerable.Range(0, 8).Select(i => generator.Create("2026-11", "topic" + i, ["topic" + i, "words"])).ToArray();
        Transcript Run(string id, IEnumerable<PhraseCanary> repeated) => new("acme", id, DateTimeOffset.UnixEpoch, canaries
            .Select(c => new ProbeExchange("topic", c.Epoch, c.Topic, "Tell me about " + c.Topic, repeated.Contains(c) ? "In short: " + c.Sentence : "In short: it depends.", null, DateTimeOffset.UnixEpoch))
            .ToArray());

        var history = new[] { Run("r1", canaries.Take(3)), Run("r2", canaries.Skip(2).Take(3)) };
        var accounts = new[] { new AccountIssuance("key-a", 500, canaries.Take(4).ToDictionary(c => (c.Epoch, c.Topic), _ => 2L)) };
        DistillationAssessment assessment = new DistillationAssessor(KeyRing).Assess(history, canaries.Select(c => c.Record), accounts);

        DetectionTestResult phrase = assessment.Tests.Single(t => t.Family == "phrase" && t.KeyId == "global");
        Assert.Equal((8L, 6L), (phrase.N, phrase.Matches));
        Assert.True(phrase.Significant, $"e = {phrase.EValue}");
        Assert.True(phrase.PValue.PValue < 1e-9);
        Assert.Equal(4, assessment.Tests.Single(t => t.Family == "phrase" && t.KeyId == "account:key-a").N);

        var drafts = assessment.ToEvidenceDrafts("acme", "r2", "abc123", DateTimeOffset.UnixEpoch);
        Assert.Equal(assessment.Tests.Count, drafts.Count);
        Assert.All(drafts, d => Assert.InRange(d.PValue, 1e-300, 1.0));
        Assert.Contains(drafts, d => d.Family == "phrase" && d.KeyId == "global" && d.Verdict == "distilled");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Phrase_attribution_rests_only_on_topics_one_account_alone_received(bool repeatsTheExclusiveTopics)
    {
        // key-a and key-b both received topics 0-3; only key-a received 4-7. A competitor repeating the canaries of
        // 0-3 may have them from either account, so it is "distilled" but attributed to nobody; one repeating 4-7
        // names key-a.
        var generator = new PhraseCanaryGenerator(KeyRing);
        var canaries = Enumerable.Range(0, 8).Select(i => generator.Create("2026-11", "topic" + i, ["topic" + i, "words"])).ToArray();
        PhraseCanary[] repeated = repeatsTheExclusiveTopics ? canaries[4..] : canaries[..4];
        var history = new[]
        {
            new Transcript("acme", "r1", DateTimeOffset.UnixEpoch, canaries
                .Select(c => new ProbeExchange("topic", c.Epoch, c.Topic, "Tell me about " + c.Topic, repeated.Contains(c) ? "In short: " + c.Sentence : "In short: it depends.", null, DateTimeOffset.UnixEpoch))
                .ToArray()),
        };
        var accounts = new[]
        {
            new AccountIssuance("key-a", 500, canaries.ToDictionary(c => (c.Epoch, c.Topic), _ => 1L)),
            new AccountIssuance("key-b", 500, canaries[..4].ToDictionary(c => (c.Epoch, c.Topic), _ => 1L)),
        };

        DistillationAssessment assessment = new DistillationAssessor(KeyRing).Assess(history, canaries.Select(c => c.Record), accounts);

        Assert.Equal("distilled", assessment.Verdict);
        DetectionTestResult ofA = assessment.Tests.Single(t => t.Family == "phrase" && t.KeyId == "account:key-a");
        Assert.Equal((4L, repeatsTheExclusiveTopics ? 4L : 0L), (ofA.N, ofA.Matches));
        Assert.DoesNotContain(assessment.Tests, t => t.Family == "phrase" && t.KeyId == "account:key-b");
        Assert.Equal(repeatsTheExclusiveTopics ? "key-a" : null, assessment.AttributedAccount);
    }

    private static Transcript Transcript(IReadOnlyList<string> answers) =>
        new("student", "run-1", DateTimeOffset.UnixEpoch, answers.Select(a => new ProbeExchange("open", null, null, "Write about operating services.", a, null, DateTimeOffset.UnixEpoch)).ToArray());
}
