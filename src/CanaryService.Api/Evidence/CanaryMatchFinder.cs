using System.Text.RegularExpressions;
using CanaryService.Core.Ports;

namespace CanaryService.Api.Evidence;

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
/// Finds registered canary candidates in transcripts' answers, ignoring case and whatever separates their words
/// (spaces, hyphens, punctuation), for the report's highlighted excerpts: each answer is searched only for the
/// candidates of its own prompt's topic and listed at most once. (The scoring itself belongs to the detectors.)
/// </summary>
internal static partial class CanaryMatchFinder
{
    private const int ContextChars = 160;

    public static IReadOnlyList<CanaryMatch> Find(IEnumerable<(string Name, Transcript Transcript)> transcripts, IReadOnlyList<CanaryRecord> canaries, int limit)
    {
        // Registered topics hold D+1 candidates each, so trying every candidate's pattern on every answer is
        // answers × topics × (D+1) regex scans (minutes for one report). A match needs each word of the phrase (each
        // run of letters and digits) as a whole run in the answer, since the pattern's separators and boundaries are
        // never letters or digits. So candidates are indexed by their rarest word, and only those whose words the
        // answer all contains are tried as patterns, in the same order as before.
        List<Candidate> all = [];
        HashSet<string> topics = new(StringComparer.Ordinal);
        foreach (IGrouping<string, CanaryRecord> topic in canaries.GroupBy(c => c.Topic, StringComparer.Ordinal))
        {
            topics.Add(topic.Key);
            foreach (CanaryRecord canary in topic)
            {
                for (int i = 0; i < canary.Candidates.Count; i++)
                {
                    all.Add(new Candidate(all.Count, canary, i, [.. Words(canary.Candidates[i]).Distinct(StringComparer.Ordinal)]));
                }
            }
        }

        Dictionary<string, int> frequency = all.SelectMany(c => c.Words).CountBy(w => w, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        Dictionary<string, List<Candidate>> byKeyWord = new(StringComparer.Ordinal);
        foreach (Candidate candidate in all)
        {
            // A phrase without letters or digits is keyed by "", which every answer looks up.
            string key = candidate.Words.OrderBy(w => frequency[w]).ThenByDescending(w => w.Length).FirstOrDefault() ?? "";
            if (!byKeyWord.TryGetValue(key, out List<Candidate>? list))
            {
                byKeyWord[key] = list = [];
            }

            list.Add(candidate);
        }

        List<CanaryMatch> matches = [];
        foreach ((string name, Transcript transcript) in transcripts)
        {
            foreach (ProbeExchange exchange in transcript.Exchanges)
            {
                // Only under the topic of the prompt that produced the answer: candidates of different topics are
                // drawn from the same phrasings, so the same sentence is a candidate of many topics, and counting it
                // under each would list one answer several times (the detector scores the same way).
                if (exchange.Answer is not { } answer || exchange.Topic is not { } topic || !topics.Contains(topic))
                {
                    continue;
                }

                HashSet<string> words = [.. Words(answer), ""];
                IEnumerable<Candidate> candidates = words
                    .SelectMany(w => byKeyWord.GetValueOrDefault(w) ?? [])
                    .Where(c => c.Canary.Topic == topic && c.Words.All(words.Contains))
                    .OrderBy(c => c.Ordinal);

                // One entry per answer: the candidate found first in the text.
                (Candidate Candidate, Match Match)? first = null;
                foreach (Candidate candidate in candidates)
                {
                    Match m = PatternFor(candidate.Canary.Candidates[candidate.Index]).Match(answer);
                    if (m.Success && (first is null || m.Index < first.Value.Match.Index))
                    {
                        first = (candidate, m);
                    }
                }

                if (first is not { } found)
                {
                    continue;
                }

                (CanaryRecord canary, int index, Match match) = (found.Candidate.Canary, found.Candidate.Index, found.Match);
                int start = Math.Max(0, match.Index - ContextChars);
                int end = Math.Min(answer.Length, match.Index + match.Length + ContextChars);
                matches.Add(new CanaryMatch(canary.Epoch, canary.Topic, canary.Candidates[index], index, transcript.RunId, name,
                    (start > 0 ? "…" : "") + answer[start..match.Index], match.Value, answer[(match.Index + match.Length)..end] + (end < answer.Length ? "…" : "")));
                if (matches.Count >= limit)
                {
                    return matches;
                }
            }
        }

        return matches;
    }

    private static IEnumerable<string> Words(string text) =>
        WordRun().Matches(text).Select(m => m.Value.ToLowerInvariant());

    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex WordRun();

    private sealed record Candidate(int Ordinal, CanaryRecord Canary, int Index, string[] Words);

    // Words of the phrase in order, anything but letters and digits between them (the detector's normalisation):
    // "I hope this helps! Let me know…" is the phrasing "I hope this helps. Let me know…" as a copier may write it.
    private static Regex PatternFor(string phrase)
    {
        string body = string.Join(@"[^\p{L}\p{N}]+", WordRun().Matches(phrase).Select(m => Regex.Escape(m.Value)));
        return new Regex(@"(?<![\p{L}\p{N}])" + body + @"(?![\p{L}\p{N}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
