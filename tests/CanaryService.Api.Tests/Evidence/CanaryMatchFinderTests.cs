using CanaryService.Api.Evidence;
using CanaryService.Core.Ports;

namespace CanaryService.Api.Tests.Evidence;

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
            "open", null, i == 60 ? "topic-42" : null, "prompt",
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
