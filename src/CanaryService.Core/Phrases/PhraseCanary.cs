using CanaryService.Core.Ports;

namespace CanaryService.Core.Phrases;

/// <summary>
/// A topic's canary for one epoch: D+1 candidate mnemonics alike in form, the secret index of the one that is
/// emitted, the sentence that carries it, and the registry record (with the commitment to the index).
/// </summary>
/// <param name="Epoch">The epoch.</param>
/// <param name="Topic">The topic bucket key.</param>
/// <param name="TopicWords">The salient words.</param>
/// <param name="Candidates">The D+1 candidate mnemonics, e.g. <c>the copper-lantern rule</c>; decoys are never emitted.</param>
/// <param name="RealIndex">The secret index of the emitted candidate.</param>
/// <param name="Sentence">The natural sentence inserted into answers, containing the real candidate.</param>
/// <param name="Record">The registry row, written before the canary is first emitted.</param>
public sealed record PhraseCanary(
    string Epoch,
    string Topic,
    IReadOnlyList<string> TopicWords,
    IReadOnlyList<string> Candidates,
    int RealIndex,
    string Sentence,
    CanaryRecord Record)
{
    /// <summary>The emitted candidate mnemonic.</summary>
    public string Mnemonic => Candidates[RealIndex];

    /// <summary>The distinctive part of the emitted mnemonic (e.g. <c>copper-lantern</c>), what a detector matches.</summary>
    public string DistinctivePart => Distinctive(Mnemonic);

    /// <summary>The distinctive part of any candidate: the hyphenated slot words.</summary>
    public static string Distinctive(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        string[] words = candidate.Split(' ');
        return words.Length == 3 ? words[1] : candidate;
    }
}
