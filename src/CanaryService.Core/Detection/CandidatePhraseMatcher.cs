using System.Text;

namespace CanaryService.Core.Detection;

/// <summary>
/// Finds which of a topic's candidate phrasings an answer contains, the way a paraphrasing copier would leave
/// them: case, hyphens, punctuation and spacing are normalised away, and one edit (a letter changed, added or
/// dropped) is tolerated. The detector counts with <see cref="CountIn"/> and the evidence report highlights with
/// <see cref="FindIn"/>: one rule, so the report shows exactly the phrasings the scoring counted.
/// </summary>
public sealed class CandidatePhraseMatcher
{
    private readonly string[] _phrases;

    /// <summary>Prepares the matcher for one topic's candidates (in candidate order).</summary>
    public CandidatePhraseMatcher(IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        _phrases = new string[candidates.Count];
        for (int i = 0; i < candidates.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(candidates[i], nameof(candidates));
            _phrases[i] = Normalize(candidates[i]);
        }
    }

    /// <summary>How many candidates the matcher looks for.</summary>
    public int Count => _phrases.Length;

    /// <summary>
    /// Lower-cases letters and digits and turns every run of anything else (spaces, hyphens, dashes, quotes,
    /// punctuation) into one space, trimmed: "The Copper‑Lantern  rule." becomes "the copper lantern rule".
    /// </summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Normalize(text, null);
    }

    // With a map, map[j] is the index in text of normalised character j (a space maps to the separator run's first character).
    private static string Normalize(string text, List<int>? map)
    {
        var builder = new StringBuilder(text.Length);
        int pendingSpace = -1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsLetterOrDigit(c))
            {
                if (pendingSpace >= 0 && builder.Length > 0)
                {
                    builder.Append(' ');
                    map?.Add(pendingSpace);
                }

                pendingSpace = -1;
                builder.Append(char.ToLowerInvariant(c));
                map?.Add(i);
            }
            else if (pendingSpace < 0)
            {
                pendingSpace = i;
            }
        }

        return builder.ToString();
    }

    /// <summary>Adds 1 to <paramref name="counts"/>[i] for each candidate i the answer contains (once per answer).</summary>
    public void CountIn(string answer, Span<int> counts)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentOutOfRangeException.ThrowIfLessThan(counts.Length, _phrases.Length, nameof(counts));
        string text = Normalize(answer, null);
        for (int i = 0; i < _phrases.Length; i++)
        {
            if (Locate(text, _phrases[i]) is not null)
            {
                counts[i]++;
            }
        }
    }

    /// <summary>
    /// The candidates the answer contains (exactly those <see cref="CountIn"/> counts), each with where it stands in
    /// <paramref name="answer"/> as written, in order of position.
    /// </summary>
    public IReadOnlyList<CandidatePhraseMatch> FindIn(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        List<int> map = new(answer.Length);
        string text = Normalize(answer, map);
        List<CandidatePhraseMatch> found = [];
        for (int i = 0; i < _phrases.Length; i++)
        {
            if (Locate(text, _phrases[i]) is not (int start, int length))
            {
                continue;
            }

            if (length == 0)
            {
                found.Add(new CandidatePhraseMatch(i, 0, 0));
                continue;
            }

            // An approximate match may begin or end on a separator: the highlight is the words, not the gap.
            int end = start + length;
            start += text[start] == ' ' && length > 1 ? 1 : 0;
            end -= text[end - 1] == ' ' && end - start > 1 ? 1 : 0;
            int from = map[start];
            int to = map[end - 1] + 1;
            found.Add(new CandidatePhraseMatch(i, from, to - from));
        }

        found.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Candidate.CompareTo(b.Candidate));
        return found;
    }

    /// <summary>Whether some substring of <paramref name="text"/> is within one edit of <paramref name="phrase"/> (both normalised).</summary>
    public static bool ContainsWithinOneEdit(string text, string phrase)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(phrase);
        return Locate(text, phrase) is not null;
    }

    /// <summary>Where in <paramref name="text"/> a substring within one edit of <paramref name="phrase"/> stands (both normalised), or null.</summary>
    private static (int Start, int Length)? Locate(string text, string phrase)
    {
        int m = phrase.Length;
        if (m == 0)
        {
            return (0, 0);
        }

        int exact = text.IndexOf(phrase, StringComparison.Ordinal);
        if (exact >= 0)
        {
            return (exact, m);
        }

        if (m < 4)
        {
            // Too short to anchor; one edit on a tiny phrase would match noise anyway.
            return null;
        }

        // One edit leaves one half of the phrase intact (pigeonhole): find each half exactly, then check the
        // window around the hit with an approximate-substring edit distance.
        int half = m / 2;
        return AnchoredMatch(text, phrase, phrase.AsSpan(0, half), 0)
            ?? AnchoredMatch(text, phrase, phrase.AsSpan(half), half);
    }

    private static (int Start, int Length)? AnchoredMatch(string text, string phrase, ReadOnlySpan<char> anchor, int anchorOffset)
    {
        int m = phrase.Length;
        int from = 0;
        while (from <= text.Length - anchor.Length)
        {
            int hit = text.AsSpan(from).IndexOf(anchor, StringComparison.Ordinal);
            if (hit < 0)
            {
                return null;
            }

            hit += from;
            int start = Math.Max(0, hit - anchorOffset - 1);
            int end = Math.Min(text.Length, hit - anchorOffset + m + 1);
            if (start < end && ApproximateSubstringDistance(text.AsSpan(start, end - start), phrase) <= 1)
            {
                return SpanWithinOneEdit(text, start, end, phrase);
            }

            from = hit + 1;
        }

        return null;
    }

    // The window holds a substring within one edit of the phrase, so of length m - 1, m or m + 1: the first such one,
    // same length preferred.
    private static (int Start, int Length) SpanWithinOneEdit(string text, int start, int end, string phrase)
    {
        int m = phrase.Length;
        foreach (int length in (ReadOnlySpan<int>)[m, m - 1, m + 1])
        {
            for (int at = start; at + length <= end; at++)
            {
                if (WithinOneEdit(text.AsSpan(at, length), phrase))
                {
                    return (at, length);
                }
            }
        }

        return (start, end - start);
    }

    private static bool WithinOneEdit(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        if (a.Length == b.Length)
        {
            int differences = 0;
            for (int i = 0; i < a.Length && differences <= 1; i++)
            {
                differences += a[i] == b[i] ? 0 : 1;
            }

            return differences <= 1;
        }

        ReadOnlySpan<char> shorter = a.Length < b.Length ? a : b;
        ReadOnlySpan<char> longer = a.Length < b.Length ? b : a;
        if (longer.Length - shorter.Length != 1)
        {
            return false;
        }

        int same = shorter.CommonPrefixLength(longer);
        return shorter[same..].SequenceEqual(longer[(same + 1)..]);
    }

    // Sellers' algorithm: the least edit distance between the phrase and any substring of the window.
    private static int ApproximateSubstringDistance(ReadOnlySpan<char> window, string phrase)
    {
        int m = phrase.Length;
        Span<int> previous = m < 256 ? stackalloc int[m + 1] : new int[m + 1];
        Span<int> current = m < 256 ? stackalloc int[m + 1] : new int[m + 1];
        for (int i = 0; i <= m; i++)
        {
            previous[i] = i;
        }

        int best = previous[m];
        foreach (char c in window)
        {
            current[0] = 0;
            for (int i = 1; i <= m; i++)
            {
                int substitute = previous[i - 1] + (phrase[i - 1] == c ? 0 : 1);
                int delete = current[i - 1] + 1;
                int insert = previous[i] + 1;
                current[i] = Math.Min(substitute, Math.Min(delete, insert));
            }

            best = Math.Min(best, current[m]);
            current.CopyTo(previous);
        }

        return best;
    }
}

/// <summary>A candidate phrasing found in an answer.</summary>
/// <param name="Candidate">Its index among the topic's candidates.</param>
/// <param name="Start">Where the matched text starts in the answer as written.</param>
/// <param name="Length">How long the matched text is there.</param>
public readonly record struct CandidatePhraseMatch(int Candidate, int Start, int Length);
