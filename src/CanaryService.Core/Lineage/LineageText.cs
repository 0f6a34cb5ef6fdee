using System.Text;
using System.Text.RegularExpressions;

namespace CanaryService.Core.Lineage;

/// <summary>
/// Turns a model's answer into the word 1- and 2-grams of its prose: code (fenced and inline), URLs, markdown markup
/// and numbers are removed, words are lower-cased, and 2-grams never cross a clause boundary (punctuation or a line
/// break), so formatting habits and code do not pass for word choice.
/// </summary>
/// <remarks>
/// Function words are kept on purpose (no word list removes "the", "of", "here"): their rates are the most stable
/// stylometric signal (Mosteller and Wallace), and a distilled student inherits its teacher's openers and
/// connectives ("certainly here is", "it is important") before anything else. The log-odds z-scores weigh every n-gram by its own precision, so frequent words do not
/// dominate merely by being frequent.
/// </remarks>
public static partial class LineageText
{
    /// <summary>Separates the parts of a 2-gram in its feature name.</summary>
    public const char BigramSeparator = ' ';

    /// <summary>
    /// Calls <paramref name="emit"/> with every 1-gram and 2-gram of <paramref name="output"/> (lower-cased), and
    /// returns how many words it found.
    /// </summary>
    public static int ForEachNGram(string output, Action<string> emit)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(emit);
        string prose = StripMarkup(output);
        int words = 0;
        string? previous = null;
        StringBuilder word = new(32);
        for (int i = 0; i <= prose.Length; i++)
        {
            char c = i < prose.Length ? prose[i] : '\n';
            bool inWord = char.IsLetter(c) || (c is '\'' or '’' && word.Length > 0 && i + 1 < prose.Length && char.IsLetter(prose[i + 1]));
            if (inWord)
            {
                word.Append(c == '’' ? '\'' : char.ToLowerInvariant(c));
                continue;
            }

            if (word.Length > 0)
            {
                string current = word.ToString();
                word.Clear();
                words++;
                emit(current);
                if (previous is not null)
                {
                    emit(previous + BigramSeparator + current);
                }

                previous = current;
            }

            // A clause ends at punctuation and at a line break: a 2-gram across it would pair words the model never
            // wrote together. Spaces, hyphens, quotes and stripped emphasis keep the clause open.
            if (c is not (' ' or '\t' or '-' or '\'' or '’' or '"' or '“' or '”'))
            {
                previous = null;
            }
        }

        return words;
    }

    /// <summary>Removes code, URLs, markdown markup and numbers, keeping the prose (line breaks kept as clause ends).</summary>
    public static string StripMarkup(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        string text = FencedCode().Replace(output, "\n");
        text = InlineCode().Replace(text, " . ");
        text = MarkdownLink().Replace(text, "$1");
        text = Url().Replace(text, " . ");
        text = LinePrefix().Replace(text, "\n");
        text = Emphasis().Replace(text, " ");
        text = Number().Replace(text, " . ");
        return text;
    }

    // ``` or ~~~ fences up to the closing fence (or the end of an unterminated block).
    [GeneratedRegex(@"(```|~~~)[\s\S]*?(\1|\z)")]
    private static partial Regex FencedCode();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"\b(https?://|www\.)\S+", RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    // [text](target) keeps the text.
    [GeneratedRegex(@"\[([^\]\n]*)\]\([^)\n]*\)")]
    private static partial Regex MarkdownLink();

    // Headings, quotes, bullets, numbered items and table pipes at a line start; each becomes a clause end.
    [GeneratedRegex(@"(^|\n)[ \t]*(#{1,6}|>+|[-*+•]|\d+[.)]|\|)[ \t]*", RegexOptions.Multiline)]
    private static partial Regex LinePrefix();

    [GeneratedRegex(@"\*{1,3}|_{2,3}|\|")]
    private static partial Regex Emphasis();

    [GeneratedRegex(@"\d+([.,:]\d+)*")]
    private static partial Regex Number();
}
