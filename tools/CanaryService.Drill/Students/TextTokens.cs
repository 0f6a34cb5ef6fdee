using System.Text.RegularExpressions;

namespace CanaryService.Drill.Students;

/// <summary>
/// Splits text into tokens that carry their leading whitespace (as subword tokenizers do), so joining the
/// tokens gives the text back. Fenced code blocks are single tokens: a student copies code whole or not at all.
/// </summary>
internal static partial class TextTokens
{
    public static IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Token().Matches(text).Select(m => m.Value).ToArray();
    }

    /// <summary>The lower-cased content words of a prompt (no stop words), for retrieval.</summary>
    public static IEnumerable<string> ContentWords(string text) =>
        Word().Matches(text.ToLowerInvariant()).Select(m => m.Value).Where(w => w.Length > 2 && !StopWords.Contains(w));

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "with", "what", "how", "why", "can", "you", "your", "are", "does", "this", "that", "about",
        "should", "would", "some", "give", "tell", "show", "explain", "know", "get", "best", "way", "into", "from",
        "its", "it's", "there", "their", "when", "which", "who", "whom", "all", "any", "more", "most", "other", "than",
        "then", "them", "these", "those", "was", "were", "will", "has", "have", "had", "not", "but", "out", "use",
        "write", "short", "example", "really", "keep", "hearing", "before", "start", "started", "where", "begin",
        "i'm", "me", "my", "please", "walk", "through", "step", "list", "common", "useful", "advice", "tips", "mistakes",
        "difference", "between", "compare", "focus", "better", "approach", "struggling", "implement", "uses",
    };

    [GeneratedRegex(@"\s*(?:```[\s\S]*?```|[\p{L}\p{N}'’]+(?:-[\p{L}\p{N}]+)*|\*\*|\S)", RegexOptions.CultureInvariant)]
    private static partial Regex Token();

    [GeneratedRegex(@"[\p{L}\p{N}'’]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
