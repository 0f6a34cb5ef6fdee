namespace CanaryService.Drill.Corpus;

/// <summary>
/// The teacher's reply to everyday requests outside its corpus (the benign accounts' conversations): a short
/// suggestion drawn from the request's own words, ending with a question back about the draft, as chat replies do.
/// Ending in a question, it already closes in its own way, so the proxy appends no phrase canary to it: the probes'
/// topic prompts stay on the answers worth harvesting.
/// </summary>
internal static class ChatReplies
{
    private static readonly string[] Advice =
    [
        "Start with the part that matters most to the reader, keep the sentences short, and cut anything that repeats itself.",
        "Pick one clear goal, write a rough version first, and then tighten the wording once the structure feels right.",
        "Lead with the main point, add one concrete detail that makes it memorable, and leave out the rest for now.",
        "Keep the tone warm but direct, group related points together, and end with the one action you want taken.",
    ];

    private static readonly string[] Questions =
    [
        "Should it sound more formal or more relaxed?",
        "Do you want a shorter version as well?",
        "Which detail should come first in your draft?",
        "Is this for a friend or for work?",
    ];

    /// <summary>The reply to <paramref name="prompt"/> (the same prompt always gets the same reply).</summary>
    public static string For(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);

        // FNV-1a: string.GetHashCode differs between processes, and the drill must be reproducible.
        uint hash = 2166136261;
        foreach (char c in prompt)
        {
            hash = (hash ^ c) * 16777619;
        }

        return "Here is a first idea. " + Advice[hash % (uint)Advice.Length] + " " + Questions[(hash / 7) % (uint)Questions.Length];
    }
}
