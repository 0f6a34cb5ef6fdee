using System.Globalization;

namespace CanaryService.Application.Probing;

/// <summary>
/// The light, meaning-preserving rewordings of a replayed prompt: the account's own words inside a polite opening or
/// closing, nothing changed within. A student that learned the prompt still recognises it; a service that refuses or
/// caches exact repeats of known prompts does not see one.
/// </summary>
public static class ReplayRewording
{
    /// <summary>The wrappers; <c>{0}</c> is the prompt as the account asked it.</summary>
    public static IReadOnlyList<string> Templates { get; } =
    [
        "Please help me with this: {0}",
        "{0}\n\nThank you!",
        "I have a question. {0}",
        "Could you answer this for me? {0}",
        "{0}\n\nThanks in advance.",
    ];

    /// <summary>The prompt inside template <paramref name="index"/> (taken modulo the number of templates).</summary>
    public static string Apply(string prompt, int index)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return string.Format(CultureInfo.InvariantCulture, Templates[(int)((uint)index % (uint)Templates.Count)], prompt);
    }
}
