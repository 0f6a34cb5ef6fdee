using System.Collections.Frozen;

namespace CanaryService.Core.Phrases;

/// <summary>
/// The topic of a request: its salient words (stop-words removed, lower-cased, simple plural folding), the three
/// most frequent (ties: longer first, then alphabetical, so word order does not matter), sorted and joined by <c>+</c>. Prompts about the same thing land in
/// the same bucket, so they get the same canary within an epoch.
/// </summary>
public sealed record TopicBucket(string Key, IReadOnlyList<string> Words)
{
    /// <summary>How many salient words name a topic.</summary>
    public const int WordCount = 3;

    private static readonly FrozenSet<string> StopWords = (
        "a about above after again against all also am an and any are aren't as at be because been before being below " +
        "between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each " +
        "few for from further get gets getting give given go going got had hadn't has hasn't have haven't having he " +
        "her here hers herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its itself just " +
        "know let let's like make many me might more most much must my myself need no nor not now of off on once " +
        "one only or other ought our ours ourselves out over own please same shall she should shouldn't so some " +
        "such tell than thank thanks that that's the their theirs them themselves then there there's these they " +
        "they're thing things think this those through to too under until up use used using very want was wasn't " +
        "way we we're were weren't what what's when where which while who whom why will with won't would wouldn't " +
        "write explain show give best good better help yes you you'd you'll you're you've your yours yourself " +
        "yourselves example examples step steps really quick simple way ways new work works")
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The bucket of <paramref name="prompt"/>, or null when it has no salient words.</summary>
    public static TopicBucket? FromPrompt(string? prompt)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            return null;
        }

        var counts = new Dictionary<string, (int Count, int First)>(StringComparer.Ordinal);
        int order = 0;
        ReadOnlySpan<char> text = prompt;
        int i = 0;
        while (i < text.Length && counts.Count < 10_000)
        {
            if (!char.IsAsciiLetter(text[i]))
            {
                i++;
                continue;
            }

            int start = i;
            while (i < text.Length && (char.IsAsciiLetter(text[i]) || (text[i] == '\'' && i + 1 < text.Length && char.IsAsciiLetter(text[i + 1]))))
            {
                i++;
            }

            if (i - start < 3 || i - start > 24)
            {
                continue;
            }

            string word = Normalise(text[start..i].ToString().ToLowerInvariant());
            if (StopWords.Contains(word) || word.Contains('\'', StringComparison.Ordinal))
            {
                continue;
            }

            counts[word] = counts.TryGetValue(word, out var seen) ? (seen.Count + 1, seen.First) : (1, order++);
        }

        if (counts.Count == 0)
        {
            return null;
        }

        string[] words = counts
            .OrderByDescending(static p => p.Value.Count)
            .ThenByDescending(static p => p.Key.Length)
            .ThenBy(static p => p.Key, StringComparer.Ordinal)
            .Take(WordCount)
            .Select(static p => p.Key)
            .Order(StringComparer.Ordinal)
            .ToArray();
        return new TopicBucket(string.Join('+', words), words);
    }

    /// <summary>
    /// The bucket whose <see cref="Key"/> is <paramref name="key"/> (as stored with a canary), or null when it is not a
    /// key <see cref="FromPrompt"/> could give: one to <see cref="WordCount"/> distinct lower-case ASCII words of 3-24
    /// letters, sorted and joined by <c>+</c>.
    /// </summary>
    public static TopicBucket? FromKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }

        string[] words = key.Split('+');
        if (words.Length > WordCount)
        {
            return null;
        }

        for (int i = 0; i < words.Length; i++)
        {
            string word = words[i];
            if (word.Length is < 3 or > 24 || !word.All(char.IsAsciiLetterLower)
                || (i > 0 && string.CompareOrdinal(words[i - 1], word) >= 0))
            {
                return null;
            }
        }

        return new TopicBucket(key, words);
    }

    private static string Normalise(string word)
    {
        if (word.Length > 4 && word.EndsWith("ies", StringComparison.Ordinal))
        {
            return word[..^3] + "y";
        }

        if (word.Length > 3 && word[^1] == 's' && word[^2] is not ('s' or 'u' or 'i'))
        {
            return word[..^1];
        }

        return word;
    }
}
