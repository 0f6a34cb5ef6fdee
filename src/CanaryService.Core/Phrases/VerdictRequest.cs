using System.Text.RegularExpressions;

namespace CanaryService.Core.Phrases;

/// <summary>
/// Whether a prompt asks for a verdict: a label, a category or a yes/no decision about the text it gives ("Classify
/// the tweet…", "Decide whether the email is spam", "Assess the sentiment…"). Such an answer is closed only when it
/// is long enough to be an explanation (<see cref="MinimumWords"/>).
/// </summary>
/// <remarks>
/// A verdict with a sentence or two of reasons runs past the forty words that make any other answer worth closing,
/// and a closing hope and offer of help after it reads as padding: readers of real answers judged it so. A verdict
/// that goes on to explain at length reads like any other explanation.
/// </remarks>
public static partial class VerdictRequest
{
    /// <summary>The fewest words of prose after which a verdict is closed.</summary>
    public const int MinimumWords = 80;

    /// <summary>How much of a long prompt's start and end is read: the instruction sits at one of them.</summary>
    internal const int ReadLimit = 1_000;

    /// <summary>True when <paramref name="prompt"/> asks for a verdict (see the remarks).</summary>
    public static bool Matches(string? prompt)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            return false;
        }

        string text = prompt.Length <= 2 * ReadLimit ? prompt : string.Concat(prompt.AsSpan(0, ReadLimit), "\n", prompt.AsSpan(prompt.Length - ReadLimit));
        return AsksForVerdict().IsMatch(text);
    }

    // A label asked for, or an instruction (at the start of a sentence or clause) to decide between answers: "How do I
    // determine if my starter is ready?" asks for an explanation.
    [GeneratedRegex(
        @"\b(classify|classified|categori[sz]e|categori[sz]ed)\b|(^|[.!?:,]|\n)\s*(decide|determine|judge|identify)( if| whether| which (one|part|category|class|of))\b|" +
        @"\b(assess|analy[sz]e|detect|identify|determine) the sentiment\b|\b(offensive|spam|sarcastic|toxic) or not\b|\bare (they )?duplicates?\b|\btrue or false\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AsksForVerdict();
}
