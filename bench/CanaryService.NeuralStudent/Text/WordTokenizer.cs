using System.Text;
using System.Text.RegularExpressions;

namespace CanaryService.NeuralStudent.Text;

/// <summary>
/// A word-level tokenizer whose output detokenises to the same text: pieces are a word or a digit or a punctuation
/// mark with its leading space, a newline, or a lone whitespace character; words are lower-cased behind a
/// capitalisation token (<see cref="Capital"/>, <see cref="Upper"/>) so that "The" and "the" share a piece; a piece
/// outside the vocabulary is spelt out in characters. The service's scanners and phrase matcher read the detokenised
/// text, so lexicon words and canary sentences come back as words, with their case and punctuation.
/// </summary>
internal sealed partial class WordTokenizer
{
    public const int Padding = 0;
    public const int Unknown = 1;
    public const int Separator = 2;
    public const int Continued = 3;
    public const int End = 4;
    public const int Capital = 5;
    public const int Upper = 6;

    private static readonly string[] Specials = ["<pad>", "<unk>", "<sep>", "<cont>", "<end>", "<cap>", "<upper>"];

    private readonly string[] _pieces;
    private readonly Dictionary<string, int> _ids;

    private WordTokenizer(string[] pieces)
    {
        _pieces = pieces;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < pieces.Length; i++)
        {
            _ids.TryAdd(pieces[i], i);
        }
    }

    /// <summary>The number of token ids.</summary>
    public int Size => _pieces.Length;

    /// <summary>
    /// The specials, every character seen (so any text can be spelt out), then the most frequent pieces up to
    /// <paramref name="size"/> ids.
    /// </summary>
    public static WordTokenizer Build(IEnumerable<string> texts, int size)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var characters = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            foreach (string piece in Normalised(text))
            {
                if (Array.IndexOf(Specials, piece) >= 0)
                {
                    continue;
                }

                counts[piece] = counts.GetValueOrDefault(piece) + 1;
                foreach (char c in piece)
                {
                    characters.Add(c.ToString());
                }
            }
        }

        List<string> pieces = [.. Specials, .. characters];
        pieces.AddRange(counts
            .Where(p => p.Key.Length > 1)
            .OrderByDescending(p => p.Value)
            .ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(Math.Max(0, size - pieces.Count))
            .Select(p => p.Key));
        return new WordTokenizer([.. pieces]);
    }

    /// <summary>The ids of <paramref name="text"/>.</summary>
    public List<int> Encode(string text)
    {
        var ids = new List<int>();
        foreach (string piece in Normalised(text))
        {
            if (_ids.TryGetValue(piece, out int id))
            {
                ids.Add(id);
                continue;
            }

            foreach (char c in piece)
            {
                ids.Add(_ids.GetValueOrDefault(c.ToString(), Unknown));
            }
        }

        return ids;
    }

    /// <summary>The text of <paramref name="ids"/> (specials other than the capitalisation marks write nothing).</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        int pendingCase = 0;
        foreach (int id in ids)
        {
            if (id is Capital or Upper)
            {
                pendingCase = id;
                continue;
            }

            if (id < Specials.Length || id >= _pieces.Length)
            {
                continue;
            }

            string piece = _pieces[id];
            if (pendingCase == Upper)
            {
                piece = piece.ToUpperInvariant();
                pendingCase = 0;
            }
            else if (pendingCase == Capital)
            {
                int letter = piece.AsSpan().IndexOfAnyInRange('a', 'z');
                if (letter >= 0)
                {
                    piece = string.Concat(piece.AsSpan(0, letter), char.ToUpperInvariant(piece[letter]).ToString(), piece.AsSpan(letter + 1));
                    pendingCase = 0;
                }
            }

            text.Append(piece);
        }

        return text.ToString();
    }

    /// <summary>The pieces of a text with the capitalisation marks as pieces of their own.</summary>
    private static IEnumerable<string> Normalised(string text)
    {
        foreach (Match match in PiecePattern().Matches(text))
        {
            string piece = match.Value;
            int start = piece[0] == ' ' ? 1 : 0;
            if (piece.Length - start < 1 || !char.IsAsciiLetter(piece[start]))
            {
                yield return piece;
                continue;
            }

            ReadOnlySpan<char> word = piece.AsSpan(start);
            bool firstUpper = char.IsAsciiLetterUpper(word[0]);
            bool restLower = !word[1..].ContainsAnyInRange('A', 'Z');
            bool allUpper = !word.ContainsAnyInRange('a', 'z');
            if (!firstUpper)
            {
                // "iPhone" keeps its case: it may only be spelt out.
                yield return piece;
            }
            else if (restLower)
            {
                yield return Specials[Capital];
                yield return piece.ToLowerInvariant();
            }
            else if (allUpper && word.Length > 1)
            {
                yield return Specials[Upper];
                yield return piece.ToLowerInvariant();
            }
            else
            {
                yield return piece;
            }
        }
    }

    [GeneratedRegex(@"\n| ?[A-Za-z]+| ?[0-9]| ?[^\sA-Za-z0-9]|\s", RegexOptions.CultureInvariant)]
    private static partial Regex PiecePattern();
}
