using System.Buffers;
using CanaryService.Core.Issuance;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Phrases;

namespace CanaryService.Core.Marking;

/// <summary>
/// Marks one response (all its choices): the lexical watermark everywhere, the phrase canary (when this response
/// was drawn for one and it is registered) once, in choice 0.
/// </summary>
public sealed class ResponseMarking
{
    /// <summary>
    /// The choice index to mark text with that must never carry the phrase canary: reasoning traces and their
    /// summaries. The canary goes only into choice 0, so any other index gives the lexical watermark alone.
    /// </summary>
    public const int WithoutCanary = -1;

    private readonly TextMarker _marker;
    private readonly int _minimumProseWords;
    private int _canaryEmitted;
    private long _wordsSeen;

    internal ResponseMarking(string accountId, DateTimeOffset issuedAt, TextMarker marker, PhraseCanary? canary, int minimumProseWords = PhraseInsertion.MinimumProseWords)
    {
        AccountId = accountId;
        IssuedAt = issuedAt;
        _marker = marker;
        Canary = canary;
        _minimumProseWords = minimumProseWords;
    }

    /// <summary>The account the response goes to.</summary>
    public string AccountId { get; }

    /// <summary>When marking began.</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary>The registered canary this response may carry, if it was drawn for one.</summary>
    public PhraseCanary? Canary { get; }

    /// <summary>True once the canary sentence was actually inserted.</summary>
    public bool CanaryEmitted => Volatile.Read(ref _canaryEmitted) == 1;

    /// <summary>
    /// About how many words of text this marking has read, whole or streamed (spaces and line breaks, plus one per
    /// text): the answer's length for an account's output volume, counted over text the marker reads anyway.
    /// </summary>
    public long WordsSeen => Interlocked.Read(ref _wordsSeen);

    /// <summary>Marks a whole choice's text; a text the marking leaves as it is comes back as the same instance.</summary>
    public string MarkText(string? text, int choiceIndex)
    {
        text ??= string.Empty;
        var output = new ArrayBufferWriter<char>(text.Length + 256);
        return TryMarkText(text, choiceIndex, output) ? output.WrittenSpan.ToString() : text;
    }

    /// <summary>
    /// Marks a whole choice's text without a string in or out: the marked text is written to
    /// <paramref name="output"/>. False, with nothing written, when the marking leaves the text as it is.
    /// </summary>
    public bool TryMarkText(ReadOnlySpan<char> text, int choiceIndex, IBufferWriter<char> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        CountWords(text, firstOfText: true);
        var marked = new MarkedOutput(text.Length);
        try
        {
            if (!text.IsEmpty)
            {
                var state = ScannerState.Initial;
                _marker.Mark(text, ref state, isFinal: true, ref marked);
            }

            ReadOnlySpan<char> lexical = marked.Changed ? marked.Written : text;
            if (ClaimInsertion(choiceIndex) is { } insertion)
            {
                var withPhrase = new MarkedOutput(lexical.Length + 256);
                try
                {
                    insertion.Process(lexical, ref withPhrase);
                    insertion.Finish(ref withPhrase);
                    if (insertion.Inserted)
                    {
                        NoteCanaryEmitted();
                        output.Write(withPhrase.Written);
                        return true;
                    }
                }
                finally
                {
                    withPhrase.Dispose();
                }
            }

            if (!marked.Changed)
            {
                return false;
            }

            output.Write(lexical);
            return true;
        }
        finally
        {
            marked.Dispose();
        }
    }

    /// <summary>Creates the streaming marker of one choice.</summary>
    public StreamingTextMarker CreateStream(int choiceIndex) => new(_marker, ClaimInsertion(choiceIndex), this);

    /// <summary>The issuance to log: the canary epoch and topic are set only when the canary was emitted.</summary>
    public IssuanceEvent ToIssuance(int markedChoices) => CanaryEmitted && Canary is { } canary
        ? new IssuanceEvent(AccountId, IssuedAt, markedChoices, canary.Epoch, canary.Topic)
        : new IssuanceEvent(AccountId, IssuedAt, markedChoices, null, null);

    internal void NoteCanaryEmitted() => Volatile.Write(ref _canaryEmitted, 1);

    internal void CountWords(ReadOnlySpan<char> text, bool firstOfText)
    {
        if (!text.IsEmpty)
        {
            Interlocked.Add(ref _wordsSeen, text.Count(' ') + text.Count('\n') + (firstOfText ? 1 : 0));
        }
    }

    private PhraseInsertion? ClaimInsertion(int choiceIndex) =>
        choiceIndex == 0 && Canary is { } canary && !CanaryEmitted ? new PhraseInsertion(canary.Sentence, _minimumProseWords) : null;
}
