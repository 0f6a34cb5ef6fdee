using System.Text.RegularExpressions;
using CanaryService.Core.Lexicon;

namespace CanaryService.Benchmarks.Marking;

/// <summary>A text with every lexicon word replaced by as many q's: the same length and shape, nothing for the marker to rewrite.</summary>
internal static class LexiconFreeText
{
    /// <summary>Replaces the ASCII words of <paramref name="text"/> that are lexicon forms, except those in <paramref name="keep"/>.</summary>
    public static string Of(string text, IReadOnlySet<string>? keep = null) =>
        Regex.Replace(text, "[A-Za-z]+", m => CanaryLexicon.Default.Contains(m.Value) && keep?.Contains(m.Value) != true ? new string('q', m.Length) : m.Value);
}
