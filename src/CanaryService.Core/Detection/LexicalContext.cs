namespace CanaryService.Core.Detection;

/// <summary>Which key a lexicon group answers to.</summary>
public enum LexicalLayer
{
    /// <summary>Keyed by the global key ("was it us?").</summary>
    Global,

    /// <summary>Keyed by the receiving account's key ("which account leaked?").</summary>
    Account,
}

/// <summary>One lexicon occurrence as the scanner sees it: the context it followed, its group, and the form the text used.</summary>
/// <param name="Context">The previous output word, lower-cased, or <c>^</c> at a sentence start.</param>
/// <param name="GroupId">The lexicon group's stable id.</param>
/// <param name="GroupSize">How many forms the group has (≥ 2).</param>
/// <param name="ObservedIndex">The index of the form the text used.</param>
/// <param name="Layer">Which key the group answers to.</param>
public readonly record struct LexicalContext(string Context, int GroupId, int GroupSize, int ObservedIndex, LexicalLayer Layer);
