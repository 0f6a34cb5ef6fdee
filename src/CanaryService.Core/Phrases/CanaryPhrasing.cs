namespace CanaryService.Core.Phrases;

/// <summary>
/// The shipped slot sentences a canary phrasing is built from: a closing hope (<see cref="Hopes"/>) followed by an
/// offer of further help (<see cref="Offers"/>), e.g. "I hope this suits your needs. Tell me if there is more I can
/// do." Each is an ordinary sentence that closes any answer (an explanation, a list, code, a poem, an email draft, a
/// one-line fact) and claims no fact, name or source; what makes a canary is which exact pair a topic emits, and
/// most of the 1,024 pairs never occur in natural text.
/// </summary>
/// <remarks>
/// The lists are fixed forever in an epoch's meaning: registry rows store the candidates themselves, and the detector
/// recomputes them from the key ring with these lists, so changing a sentence orphans earlier rows. No sentence holds
/// a lexicon word (the lexical watermark must never rewrite a canary), and any two pairs are at least
/// <see cref="PhraseCanaryGenerator.MinimumCandidateDistance"/> edits apart, with neither within one edit of a part of
/// the other (tests check both), so the detector's forgiveness of one edit never counts a copied canary twice.
/// </remarks>
public static class CanaryPhrasing
{
    private static readonly string[] Predicates =
    [
        "helps", "works for you", "is what you were looking for", "fits what you had in mind", "suits your needs",
        "is of some help", "does the job", "meets your needs", "gives you what you need", "is close to what you wanted",
        "is along the lines you had in mind", "matches what you asked for", "does what you need", "serves you well",
        "covers what you asked for", "is useful",
    ];

    /// <summary>The first slot: 32 closing hopes, each starting with "I hope" or "Hopefully".</summary>
    public static IReadOnlyList<string> Hopes { get; } =
    [
        .. Predicates.Select(p => "I hope this " + p + "."),
        .. Predicates.Select(p => "Hopefully this " + p + "."),
    ];

    /// <summary>
    /// The second slot: 32 offers of further help. None offers to change or explain more, which would not fit every
    /// answer (a poem needs no more detail; a fact is not adjusted): each asks whether anything else is needed.
    /// </summary>
    public static IReadOnlyList<string> Offers { get; } =
    [
        "Let me know if you need anything else.",
        "Let me know if there is anything else I can do.",
        "Let me know if I can assist further.",
        "Let me know if I can help with anything else.",
        "Let me know if there is more I can do.",
        "Feel free to ask if you need anything else.",
        "Feel free to follow up with any questions.",
        "Feel free to come back with further questions.",
        "Feel free to ask if there is more I can do.",
        "Feel free to ask any follow-up questions.",
        "Just ask if you need anything else.",
        "Just ask if there is more I can do.",
        "Just ask if I can help with anything else.",
        "Just let me know if you need anything more.",
        "If you need anything else, let me know.",
        "If there is more I can do, just ask.",
        "If I can help with anything else, let me know.",
        "If you have further questions, feel free to ask.",
        "If there is anything else, just ask.",
        "Any follow-up questions are welcome.",
        "Follow-up questions are always welcome.",
        "I am here if you need anything else.",
        "I am here if you have more questions.",
        "Say the word if you need anything else.",
        "Tell me if you need anything else.",
        "Tell me if there is more I can do.",
        "Tell me if I can help with anything else.",
        "Questions and follow-ups are always welcome.",
        "Feel free to reach out with any follow-up questions.",
        "Any other questions are welcome.",
        "Just say if there is anything else.",
        "Further questions are always welcome.",
    ];

    /// <summary>How many phrasings there are: every hope with every offer.</summary>
    public static int Count => Hopes.Count * Offers.Count;

    /// <summary>The phrasing with number <paramref name="index"/> (0 to <see cref="Count"/> − 1): a hope and an offer.</summary>
    public static string Phrasing(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Hopes[index / Offers.Count] + " " + Offers[index % Offers.Count];
    }
}
