using CanaryService.Core.Phrases;
using CanaryService.Core.Ports;

namespace CanaryService.Core.Marking;

/// <summary>
/// Marks one response (all its choices): the lexical watermark everywhere, the phrase canary (when this response
/// was drawn for one and it is registered) once, in choice 0.
/// </summary>
public sealed class ResponseMarking
{
    private readonly TextMarker _marker;
    private int _canaryEmitted;

    internal ResponseMarking(string accountId, DateTimeOffset issuedAt, TextMarker marker, PhraseCanary? canary)
    {
        AccountId = accountId;
        IssuedAt = issuedAt;
        _marker = marker;
        Canary = canary;
    }

    /// <summary>The account the response goes to.</summary>
    public string AccountId { get; }

    /// <summary>When marking began.</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary>The registered canary this response may carry, if it was drawn for one.</summary>
    public PhraseCanary? Canary { get; }

    /// <summary>True once the canary sentence was actually inserted.</summary>
    public bool CanaryEmitted => Volatile.Read(ref _canaryEmitted) == 1;

    /// <summary>Marks a whole choice's text.</summary>
    public string MarkText(string? text, int choiceIndex)
    {
        string marked = _marker.Mark(text);
        PhraseInsertion? insertion = ClaimInsertion(choiceIndex);
        if (insertion is null)
        {
            return marked;
        }

        var output = new MarkedOutput(marked.Length + 256);
        try
        {
            insertion.Process(marked, ref output);
            if (insertion.Inserted)
            {
                Volatile.Write(ref _canaryEmitted, 1);
                return output.ToString();
            }

            return marked;
        }
        finally
        {
            output.Dispose();
        }
    }

    /// <summary>Creates the streaming marker of one choice.</summary>
    public StreamingTextMarker CreateStream(int choiceIndex) =>
        new(_marker, ClaimInsertion(choiceIndex), () => Volatile.Write(ref _canaryEmitted, 1));

    /// <summary>The issuance to log: the canary epoch and topic are set only when the canary was emitted.</summary>
    public IssuanceEvent ToIssuance(int markedChoices) => CanaryEmitted && Canary is { } canary
        ? new IssuanceEvent(AccountId, IssuedAt, markedChoices, canary.Epoch, canary.Topic)
        : new IssuanceEvent(AccountId, IssuedAt, markedChoices, null, null);

    private PhraseInsertion? ClaimInsertion(int choiceIndex) =>
        choiceIndex == 0 && Canary is { } canary && !CanaryEmitted ? new PhraseInsertion(canary.Sentence) : null;
}
