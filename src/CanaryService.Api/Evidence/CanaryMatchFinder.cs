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
/// Finds registered canary candidates in transcripts' answers, ignoring case and treating hyphens and runs of
/// spaces alike, for the report's highlighted excerpts. (The scoring itself belongs to the detectors.)
/// </summary>
internal static class CanaryMatchFinder
{
    private const int ContextChars = 160;

    public static IReadOnlyList<CanaryMatch> Find(IEnumerable<(string Name, Transcript Transcript)> transcripts, IReadOnlyList<CanaryRecord> canaries, int limit)
    {
        Dictionary<string, List<(CanaryRecord Canary, int Index, Regex Pattern)>> byTopic = new(StringComparer.Ordinal);
        foreach (CanaryRecord canary in canaries)
        {
            if (!byTopic.TryGetValue(canary.Topic, out var list))
            {
                byTopic[canary.Topic] = list = [];
            }

            for (int i = 0; i < canary.Candidates.Count; i++)
            {
                list.Add((canary, i, PatternFor(canary.Candidates[i])));
            }
        }

        List<CanaryMatch> matches = [];
        foreach ((string name, Transcript transcript) in transcripts)
        {
            foreach (ProbeExchange exchange in transcript.Exchanges)
            {
                // Any answer may carry a canary, but only candidates of registered topics are looked for.
                if (exchange.Answer is not { } answer)
                {
                    continue;
                }

                IEnumerable<(CanaryRecord Canary, int Index, Regex Pattern)> candidates = exchange.Topic is { } topic && byTopic.TryGetValue(topic, out var own)
                    ? own.Concat(byTopic.Where(p => p.Key != topic).SelectMany(p => p.Value))
                    : byTopic.Values.SelectMany(v => v);
                foreach ((CanaryRecord canary, int index, Regex pattern) in candidates)
                {
                    Match m = pattern.Match(answer);
                    if (!m.Success)
                    {
                        continue;
                    }

                    int start = Math.Max(0, m.Index - ContextChars);
                    int end = Math.Min(answer.Length, m.Index + m.Length + ContextChars);
                    matches.Add(new CanaryMatch(canary.Epoch, canary.Topic, canary.Candidates[index], index, transcript.RunId, name,
                        (start > 0 ? "…" : "") + answer[start..m.Index], m.Value, answer[(m.Index + m.Length)..end] + (end < answer.Length ? "…" : "")));
                    if (matches.Count >= limit)
                    {
                        return matches;
                    }
                }
            }
        }

        return matches;
    }

    private static Regex PatternFor(string phrase)
    {
        string[] words = phrase.Split([' ', '-', '\u2010', '\u2011', '\u2013'], StringSplitOptions.RemoveEmptyEntries);
        string body = string.Join(@"[\s\-\u2010\u2011\u2013]+", words.Select(Regex.Escape));
        return new Regex(@"(?<![\p{L}\p{N}])" + body + @"(?![\p{L}\p{N}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
