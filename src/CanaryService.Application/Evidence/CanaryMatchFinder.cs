using CanaryService.Core.Detection;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;

namespace CanaryService.Application.Evidence;

/// <summary>A registered canary phrase found in a competitor's answer, with the text around it.</summary>
/// <param name="Epoch">The canary's epoch.</param>
/// <param name="Topic">The canary's topic.</param>
/// <param name="Phrase">The registered candidate that matched.</param>
/// <param name="CandidateIndex">Its position among the topic's D+1 candidates.</param>
/// <param name="RunId">The run whose answer carried it.</param>
/// <param name="TranscriptName">The transcript blob.</param>
/// <param name="Before">Up to a few words of context before the match.</param>
/// <param name="Matched">The matched text as the competitor wrote it.</param>
/// <param name="After">Context after the match.</param>
public sealed record CanaryMatch(string Epoch, string Topic, string Phrase, int CandidateIndex, string RunId, string TranscriptName, string Before, string Matched, string After);

/// <summary>
/// Finds registered canary candidates in transcripts' answers for the report's highlighted excerpts, by the
/// detector's own rule: each answer to a topic prompt is searched for the candidates of that prompt's epoch and topic
/// with <see cref="CandidatePhraseMatcher"/> (case, separators and one edit forgiven), and every candidate it
/// counts is listed, so the report highlights exactly what the scoring counted.
/// </summary>
internal static class CanaryMatchFinder
{
    private const int ContextChars = 160;

    public static IReadOnlyList<CanaryMatch> Find(IEnumerable<(string Name, Transcript Transcript)> transcripts, IReadOnlyList<CanaryRecord> canaries, int limit)
    {
        ArgumentNullException.ThrowIfNull(transcripts);
        ArgumentNullException.ThrowIfNull(canaries);

        // The first row of an (epoch, topic), as the detector takes it; a matcher is built only for topics answered.
        Dictionary<(string Epoch, string Topic), CanaryRecord> records = [];
        foreach (CanaryRecord canary in canaries)
        {
            records.TryAdd((canary.Epoch, canary.Topic), canary);
        }

        Dictionary<(string Epoch, string Topic), CandidatePhraseMatcher> matchers = [];
        List<CanaryMatch> matches = [];
        foreach ((string name, Transcript transcript) in transcripts)
        {
            foreach (ProbeExchange exchange in transcript.Exchanges)
            {
                // Only under the epoch and topic of the prompt that produced the answer: candidates of different topics
                // are drawn from the same phrasings, so the same sentence is a candidate of many topics.
                if (exchange.Answer is not { } answer || exchange.Epoch is not { } epoch || exchange.Topic is not { } topic
                    || !records.TryGetValue((epoch, topic), out CanaryRecord? canary))
                {
                    continue;
                }

                if (!matchers.TryGetValue((epoch, topic), out CandidatePhraseMatcher? matcher))
                {
                    matchers[(epoch, topic)] = matcher = new CandidatePhraseMatcher(canary.Candidates);
                }

                foreach (CandidatePhraseMatch found in matcher.FindIn(answer))
                {
                    int start = Math.Max(0, found.Start - ContextChars);
                    int end = Math.Min(answer.Length, found.Start + found.Length + ContextChars);
                    matches.Add(new CanaryMatch(canary.Epoch, canary.Topic, canary.Candidates[found.Candidate], found.Candidate, transcript.RunId, name,
                        (start > 0 ? "…" : "") + answer[start..found.Start], answer.Substring(found.Start, found.Length),
                        answer[(found.Start + found.Length)..end] + (end < answer.Length ? "…" : "")));
                    if (matches.Count >= limit)
                    {
                        return matches;
                    }
                }
            }
        }

        return matches;
    }
}
