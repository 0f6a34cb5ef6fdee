using CanaryService.Core.Issuance;

namespace CanaryService.Core.Phrases;

/// <summary>
/// A topic's canary for one epoch: D+1 candidate phrasings alike in form (see <see cref="CanaryPhrasing"/>), the
/// secret index of the one that is emitted, and the registry record (with the commitment to the index).
/// </summary>
/// <param name="Epoch">The epoch.</param>
/// <param name="Topic">The topic bucket key.</param>
/// <param name="TopicWords">The salient words.</param>
/// <param name="Candidates">The D+1 candidate phrasings; decoys are never emitted.</param>
/// <param name="RealIndex">The secret index of the emitted candidate.</param>
/// <param name="Record">The registry row, written before the canary is first emitted.</param>
public sealed record PhraseCanary(
    string Epoch,
    string Topic,
    IReadOnlyList<string> TopicWords,
    IReadOnlyList<string> Candidates,
    int RealIndex,
    CanaryRecord Record)
{
    /// <summary>The sentence inserted into answers: the real candidate, word for word (what a detector matches).</summary>
    public string Sentence => Candidates[RealIndex];
}
