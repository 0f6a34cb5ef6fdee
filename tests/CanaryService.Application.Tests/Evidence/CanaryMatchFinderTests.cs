using CanaryService.Application.Evidence;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;

namespace CanaryService.Application.Tests.Evidence;

public sealed class CanaryMatchFinderTests
{
    private static readonly string[] Adjectives = ["copper", "amber", "silent", "northern", "velvet", "granite", "hollow", "crimson", "quiet", "brass"];
    private static readonly string[] Nouns = ["lantern", "harbor", "orchard", "compass", "anvil", "meadow", "beacon", "ledger", "kettle", "spindle"];

    private static CanaryRecord Canary(int topic) => new(
        "2026-12", "topic-" + topic, ["topic", "words"],
        [.. Enumerable.Range(0, 100).Select(i => $"the {Adjectives[(i + topic) % 10]}-{Nouns[i / 10]} rule of {topic}")],
        "commitment", DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_report_over_many_registered_topics_finds_the_planted_canary_under_its_own_topic_alone()
    {
        // Each answer is searched only for its own prompt's topic, not for every candidate of every topic (which took
        // minutes per report when each was tried as a regex on every answer).
        CanaryRecord[] canaries = [.. Enumerable.Range(0, 500).Select(Canary)];
        string filler = string.Join(' ', Enumerable.Range(0, 150).Select(i => i % 7 == 0 ? "the rule of thumb is" : Nouns[i % 10]));
        ProbeExchange[] exchanges = [.. Enumerable.Range(0, 120).Select(i => new ProbeExchange(
            i == 60 ? "topic" : "open", i == 60 ? "2026-12" : null, i == 60 ? "topic-42" : null, "prompt",
            i == 60 ? filler + " Remember The Amber  Harbor rule of 42, always. " + filler : filler, null, DateTimeOffset.UnixEpoch))];
        var transcript = new Transcript("rival", "run-1", DateTimeOffset.UnixEpoch, exchanges);

        IReadOnlyList<CanaryMatch> matches = CanaryMatchFinder.Find([("t1", transcript)], canaries, 50);

        CanaryMatch match = Assert.Single(matches);
        Assert.Equal(("topic-42", "the amber-harbor rule of 42", 19), (match.Topic, match.Phrase, match.CandidateIndex));
        Assert.Equal("The Amber  Harbor rule of 42", match.Matched);
    }

    [Fact]
    public void A_phrasing_shared_by_several_topics_lists_an_answer_once_under_its_own_prompt_topic()
    {
        // Candidates of different topics are drawn from the same phrasings: this one is a candidate of three topics.
        const string Shared = "I hope this suits your needs. Tell me if there is more I can do.";
        CanaryRecord Topic(string name, int at) => new("2026-12", name, [name], [.. Enumerable.Range(0, 100).Select(i => i == at ? Shared : $"I hope this is phrasing {i}. Offer {i}.")], "commitment", DateTimeOffset.UnixEpoch);
        CanaryRecord[] canaries = [Topic("sourdough+starter", 4), Topic("retry+backoff", 9), Topic("tax+return", 17)];
        ProbeExchange[] exchanges =
        [
            new("topic", "2026-12", "retry+backoff", "How should retries back off?", "Use jitter.\n\nI hope this suits your needs! Tell me if there is more I can do.", null, DateTimeOffset.UnixEpoch),
            new("open", null, null, "Tell me a joke", "A joke.\n\n" + Shared, null, DateTimeOffset.UnixEpoch),          // no probed topic: not counted
            new("topic", "2026-12", "unregistered+topic", "Something else", "Text.\n\n" + Shared, null, DateTimeOffset.UnixEpoch),
        ];

        IReadOnlyList<CanaryMatch> matches = CanaryMatchFinder.Find([("t1", new Transcript("rival", "run-1", DateTimeOffset.UnixEpoch, exchanges))], canaries, 50);

        CanaryMatch match = Assert.Single(matches);
        Assert.Equal(("retry+backoff", 9, Shared), (match.Topic, match.CandidateIndex, match.Phrase));
        Assert.Equal("I hope this suits your needs! Tell me if there is more I can do", match.Matched);
    }
}

/// <summary>The report highlights exactly the phrasings the phrase detector counts.</summary>
public sealed class ReportMatchesScoringTests
{
    private static readonly string[] Filler = ["the", "pool", "rule", "usually", "helps", "measure", "latency", "and", "grow", "it", "I", "hope", "this", "know", "me", "let", "if"];

    [Fact]
    public void For_generated_answers_the_reports_matches_are_the_detectors_counts()
    {
        var keyRing = new CanaryKeyRing(MasterKey.FromBase64(Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("report-matches"u8))));
        var generator = new PhraseCanaryGenerator(keyRing);
        PhraseCanary[] canaries = [.. Enumerable.Range(0, 6).Select(t => generator.Create("2026-12", "topic+" + t, ["topic", t.ToString(System.Globalization.CultureInfo.InvariantCulture)]))];
        var random = new Random(20261207);
        List<Transcript> history = [];
        for (int run = 0; run < 4; run++)
        {
            ProbeExchange[] exchanges = [.. Enumerable.Range(0, 60).Select(_ =>
            {
                PhraseCanary canary = canaries[random.Next(canaries.Length)];
                return new ProbeExchange(Kind(random), canary.Epoch, canary.Topic, "prompt", Answer(canary, random), null, DateTimeOffset.UnixEpoch);
            })];
            history.Add(new Transcript("rival", "run-" + run, DateTimeOffset.UnixEpoch.AddDays(run), exchanges));
        }

        CanaryRecord[] records = [.. canaries.Select(c => c.Record)];
        PhraseEvidence scored = new PhraseCanaryDetector(keyRing).Collect(history, records);
        IReadOnlyList<CanaryMatch> reported = CanaryMatchFinder.Find([.. history.Select(t => ("t-" + t.RunId, t))], records, int.MaxValue);

        // Per topic and candidate: how many answers the detector counted, and how many highlights the report shows.
        Dictionary<(string Topic, int Candidate), int> counted = [];
        foreach (PhraseTopicEvidence topic in scored.Topics)
        {
            for (int i = 0; i < topic.Counts.Counts.Count; i++)
            {
                if (topic.Counts.Counts[i] > 0)
                {
                    counted[(topic.Topic, i)] = topic.Counts.Counts[i];
                }
            }
        }

        Dictionary<(string Topic, int Candidate), int> highlighted = reported.CountBy(m => (m.Topic, m.CandidateIndex)).ToDictionary();
        Assert.True(counted.Values.Sum() > 100, "the generated answers carry many phrasings");
        Assert.Equal(counted.OrderBy(p => p.Key), highlighted.OrderBy(p => p.Key));
        // Each highlight is the phrasing as the competitor wrote it: within one edit once normalised.
        Assert.All(reported, m => Assert.True(CandidatePhraseMatcher.ContainsWithinOneEdit(CandidatePhraseMatcher.Normalize(m.Matched), CandidatePhraseMatcher.Normalize(m.Phrase))));
    }

    private static string Kind(Random random) => random.Next(2) == 0 ? "topic" : "replay";

    /// <summary>Filler with, at random, none, one or two candidates: verbatim, re-cased and re-punctuated, one letter off, or two off.</summary>
    private static string Answer(PhraseCanary canary, Random random)
    {
        var text = new System.Text.StringBuilder();
        int planted = random.Next(3);
        for (int part = 0; part <= planted; part++)
        {
            text.AppendJoin(' ', Enumerable.Range(0, random.Next(3, 25)).Select(_ => Filler[random.Next(Filler.Length)])).Append(". ");
            if (part == planted)
            {
                break;
            }

            string phrase = canary.Candidates[random.Next(4) == 0 ? canary.RealIndex : random.Next(canary.Candidates.Count)];
            text.Append(random.Next(4) switch
            {
                0 => phrase,
                1 => phrase.ToUpperInvariant().Replace(' ', '-').Replace('.', '!'),
                2 => Edit(phrase, random, 1),
                _ => Edit(phrase, random, 2),
            }).Append(' ');
        }

        return text.ToString();
    }

    private static string Edit(string phrase, Random random, int edits)
    {
        char[] chars = phrase.ToCharArray();
        for (int e = 0; e < edits; e++)
        {
            int at = random.Next(chars.Length);
            if (char.IsLetter(chars[at]))
            {
                chars[at] = chars[at] == 'z' ? 'q' : 'z';
            }
        }

        return new string(chars);
    }
}
