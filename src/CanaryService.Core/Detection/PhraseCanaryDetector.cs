using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;
using CanaryService.Core.Statistics;

namespace CanaryService.Core.Detection;

/// <summary>
/// Scores canary phrasings over a competitor's history: for each probed topic, how many of the answers to its
/// topic prompts contain each of its D+1 candidates (the whole phrasing, normalised, one edit tolerated);
/// then the exact permutation p-value and the e-value.
/// </summary>
/// <remarks>
/// The e-value multiplies one factor per topic, fixed at the end of the first probe run in which any candidate of
/// that topic has been seen (cumulative counts up to that run). The rule looks at counts only, never at the secret
/// index, so each factor has null mean 1 given everything before it; re-scoring a topic as answers keep coming
/// would reuse the same secret pick and is not allowed. The p-value uses all answers (reported beside).
/// </remarks>
public sealed class PhraseCanaryDetector
{
    private readonly CanaryKeyRing _keyRing;

    /// <summary>Creates the detector; the secret index of each topic is recomputed from the key ring.</summary>
    public PhraseCanaryDetector(CanaryKeyRing keyRing)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        _keyRing = keyRing;
    }

    /// <summary>
    /// The secret index of a registry row, recomputed with the phrase generator; −1 when the row was not made by this
    /// key ring (its candidates differ or the commitment does not open), so it cannot be scored.
    /// </summary>
    public int RealIndex(CanaryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        int decoys = record.Candidates.Count - 1;
        if (decoys < PhraseCanaryGenerator.MinimumDecoys)
        {
            return -1;
        }

        try
        {
            var generator = new PhraseCanaryGenerator(_keyRing, decoys);
            PhraseCanary canary = generator.Create(record.Epoch, record.Topic, record.TopicWords);
            return canary.Candidates.SequenceEqual(record.Candidates, StringComparer.Ordinal)
                && generator.VerifyCommitment(record, canary.RealIndex)
                ? canary.RealIndex
                : -1;
        }
        catch (ArgumentException)
        {
            return -1;
        }
    }

    /// <summary>Counts candidates in the history's topic answers, topic by topic, and freezes each topic's e-value factor.</summary>
    /// <param name="history">The competitor's transcripts, oldest first.</param>
    /// <param name="canaries">Registry rows of the probed topics (others are ignored; topics without a row are not scored).</param>
    public PhraseEvidence Collect(IReadOnlyList<Transcript> history, IEnumerable<CanaryRecord> canaries)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(canaries);
        var records = new Dictionary<(string, string), CanaryRecord>();
        foreach (CanaryRecord record in canaries)
        {
            records.TryAdd((record.Epoch, record.Topic), record);
        }

        var topics = new Dictionary<(string Epoch, string Topic), TopicTally?>();
        var order = new List<TopicTally>();
        foreach (Transcript transcript in history)
        {
            foreach (ProbeExchange exchange in transcript.Exchanges)
            {
                if (exchange.Answer is null || exchange.Epoch is null || exchange.Topic is null
                    || !records.TryGetValue((exchange.Epoch, exchange.Topic), out CanaryRecord? record))
                {
                    continue;
                }

                if (!topics.TryGetValue((record.Epoch, record.Topic), out TopicTally? tally))
                {
                    int realIndex = RealIndex(record);
                    tally = realIndex >= 0 && realIndex < record.Candidates.Count ? new TopicTally(record, realIndex) : null;
                    topics.Add((record.Epoch, record.Topic), tally);
                    if (tally is not null)
                    {
                        order.Add(tally);
                    }
                }

                if (tally is null)
                {
                    // A row this key ring did not make (or a malformed one): it cannot be scored, and it must
                    // not stop the others.
                    continue;
                }

                tally.Matcher.CountIn(exchange.Answer, tally.Counts);
                tally.Answers++;
            }

            // End of a run: freeze every topic whose candidates have now been seen at least once.
            foreach (TopicTally tally in order)
            {
                if (tally.Frozen is null && tally.Counts.Any(c => c > 0))
                {
                    tally.Frozen = new TopicCandidateCounts((int[])tally.Counts.Clone(), tally.RealIndex);
                }
            }
        }

        return new PhraseEvidence(order
            .Select(t => new PhraseTopicEvidence(t.Record.Epoch, t.Record.Topic, t.Answers, new TopicCandidateCounts(t.Counts, t.RealIndex), t.Frozen))
            .ToArray());
    }

    /// <summary>Scores the topics that <paramref name="include"/> accepts (all when null) as one test for <paramref name="keyId"/>.</summary>
    public static DetectionTestResult Score(PhraseEvidence evidence, string keyId, Func<PhraseTopicEvidence, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        var selected = evidence.Topics.Where(t => include is null || include(t)).ToArray();
        PhrasePermutationResult permutation = PhrasePermutationTest.Run(selected.Select(t => t.Counts).ToArray());
        var eValue = new PermutationEValue();
        foreach (PhraseTopicEvidence topic in selected)
        {
            if (topic.FrozenCounts is not null)
            {
                eValue.Add(topic.FrozenCounts);
            }
        }

        return new DetectionTestResult(
            DetectionFamilies.Phrase, keyId, permutation.Topics, permutation.RealHits, permutation.PValue, eValue.Value,
            Significant: false, permutation.DecoyHitRate);
    }

    private sealed class TopicTally(CanaryRecord record, int realIndex)
    {
        public CanaryRecord Record { get; } = record;

        public int RealIndex { get; } = realIndex;

        // Match each whole phrasing (normalised, one edit forgiven): a candidate is a pair of ordinary sentences, and
        // only the exact pair says which candidate it is; either sentence alone is common in natural answers.
        public CandidatePhraseMatcher Matcher { get; } = new(record.Candidates);

        public int[] Counts { get; } = new int[record.Candidates.Count];

        public int Answers { get; set; }

        public TopicCandidateCounts? Frozen { get; set; }
    }
}

/// <summary>One probed topic's phrase evidence.</summary>
/// <param name="Epoch">The canary epoch.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Answers">Topic answers scanned.</param>
/// <param name="Counts">Answers containing each candidate, over the whole history.</param>
/// <param name="FrozenCounts">The counts the e-value uses (fixed at the first run in which any candidate was seen), or null while none has been.</param>
public sealed record PhraseTopicEvidence(string Epoch, string Topic, int Answers, TopicCandidateCounts Counts, TopicCandidateCounts? FrozenCounts);

/// <summary>The phrase evidence of a history, topic by topic in the order they were first probed.</summary>
/// <param name="Topics">The probed topics that have a registry row.</param>
public sealed record PhraseEvidence(IReadOnlyList<PhraseTopicEvidence> Topics);
