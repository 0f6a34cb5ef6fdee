using System.Text;

namespace CanaryService.Core.Detection;

/// <summary>
/// Finds which of a topic's candidate phrasings an answer contains, the way a paraphrasing copier would leave
/// them: case, hyphens, punctuation and spacing are normalised away, and one edit (a letter changed, added or
/// dropped) is tolerated.
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
        var builder = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                if (pendingSpace && builder.Length > 0)
                {
                    builder.Append(' ');
                }

                pendingSpace = false;
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                pendingSpace = true;
            }
        }

        return builder.ToString();
    }

    /// <summary>Adds 1 to <paramref name="counts"/>[i] for each candidate i the answer contains (once per answer).</summary>
    public void CountIn(string answer, Span<int> counts)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentOutOfRangeException.ThrowIfLessThan(counts.Length, _phrases.Length, nameof(counts));
        string text = Normalize(answer);
        for (int i = 0; i < _phrases.Length; i++)
        {
            if (ContainsWithinOneEdit(text, _phrases[i]))
            {
                counts[i]++;
            }
        }
    }

    /// <summary>Whether some substring of <paramref name="text"/> is within one edit of <paramref name="phrase"/> (both normalised).</summary>
    public static bool ContainsWithinOneEdit(string text, string phrase)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(phrase);
        int m = phrase.Length;
        if (m == 0)
        {
            return true;
        }

        if (text.Contains(phrase, StringComparison.Ordinal))
        {
            return true;
        }

        if (m < 4)
        {
            // Too short to anchor; one edit on a tiny phrase would match noise anyway.
            return false;
        }

        // One edit leaves one half of the phrase intact (pigeonhole): find each half exactly, then check the
        // window around the hit with an approximate-substring edit distance.
        int half = m / 2;
        return AnchoredMatch(text, phrase, phrase.AsSpan(0, half), 0)
            || AnchoredMatch(text, phrase, phrase.AsSpan(half), half);
    }

    private static bool AnchoredMatch(string text, string phrase, ReadOnlySpan<char> anchor, int anchorOffset)
    {
        int m = phrase.Length;
        int from = 0;
        while (from <= text.Length - anchor.Length)
        {
            int hit = text.AsSpan(from).IndexOf(anchor, StringComparison.Ordinal);
            if (hit < 0)
            {
                return false;
            }

            hit += from;
            int start = Math.Max(0, hit - anchorOffset - 1);
            int end = Math.Min(text.Length, hit - anchorOffset + m + 1);
            if (start < end && ApproximateSubstringDistance(text.AsSpan(start, end - start), phrase) <= 1)
            {
                return true;
            }

            from = hit + 1;
        }

        return false;
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
