using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;

namespace CanaryService.LexiconTool;

/// <summary>One word the marker changed, with the line it sits in.</summary>
internal sealed record WordChange(string Model, string Original, string Marked, int Position, string Before, string After, string Line)
{
    /// <summary>Where the marked word starts in the marked text.</summary>
    public int MarkedPosition { get; init; }
}

/// <summary>Marks real answers with seeded keys and lists what changed.</summary>
internal static class Changes
{
    public static TextMarker Marker(int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[MasterKey.MinimumLength];
        random.NextBytes(bytes);
        var ring = new CanaryKeyRing(MasterKey.FromBytes(bytes));
        var lexicon = CanaryLexicon.Default;
        return new TextMarker(lexicon, LexiconLayers.Create(lexicon, ring), ring.Global, ring.ForAccount("key-sample"));
    }

    /// <summary>Eligible occurrences of the shipped lexicon's word groups in a text (list bullets are not words).</summary>
    public static int Eligible(string text)
    {
        int n = 0;
        var scanner = new LexiconScanner(CanaryLexicon.Default, text);
        while (scanner.MoveNext())
        {
            n += scanner.Current.Group.IsMarkup ? 0 : 1;
        }

        return n;
    }

    /// <summary>The words that differ between an answer and its marked text (swaps keep every other character; bullets are passed over).</summary>
    public static IEnumerable<WordChange> Diff(string model, string original, string marked)
    {
        if (ReferenceEquals(original, marked) || original == marked)
        {
            yield break;
        }

        int i = 0, j = 0;
        while (i < original.Length && j < marked.Length)
        {
            // A list bullet swapped (the markup channel) is no word: this tool lists the word groups' changes.
            if (original[i] == marked[j] || !char.IsAsciiLetter(original[i]))
            {
                i++;
                j++;
                continue;
            }

            // Both sit inside a word that differs: back up to its start, run to its end in each text.
            int start = i;
            while (start > 0 && char.IsAsciiLetter(original[start - 1]))
            {
                start--;
            }

            int markedStart = j - (i - start);
            int end = start, markedEnd = markedStart;
            while (end < original.Length && char.IsAsciiLetter(original[end]))
            {
                end++;
            }

            while (markedEnd < marked.Length && char.IsAsciiLetter(marked[markedEnd]))
            {
                markedEnd++;
            }

            string before = Sentence(original, start, end);
            string after = Sentence(marked, markedStart, markedEnd);
            yield return new WordChange(model, original[start..end], marked[markedStart..markedEnd], start, before, after, LineAt(original, start)) { MarkedPosition = markedStart };
            i = end;
            j = markedEnd;
        }
    }

    /// <summary>The sentence around [start, end): back to the last sentence end or line break, on to the next.</summary>
    public static string Sentence(string text, int start, int end)
    {
        int s = start;
        while (s > 0 && text[s - 1] != '\n' && !(s > 1 && text[s - 1] == ' ' && text[s - 2] is '.' or '!' or '?'))
        {
            s--;
        }

        int e = end;
        while (e < text.Length && text[e] != '\n' && !(text[e] is '.' or '!' or '?' && (e + 1 == text.Length || text[e + 1] is ' ' or '\n')))
        {
            e++;
        }

        if (e < text.Length && text[e] != '\n')
        {
            e++;
        }

        string sentence = text[s..e].Trim();
        return sentence.Length > 400 ? sentence[..400] + "…" : sentence;
    }

    public static string LineAt(string text, int position)
    {
        int s = text.LastIndexOf('\n', Math.Max(0, position - 1)) + 1;
        if (position == 0)
        {
            s = 0;
        }

        int e = text.IndexOf('\n', position);
        return text[s..(e < 0 ? text.Length : e)];
    }
}
