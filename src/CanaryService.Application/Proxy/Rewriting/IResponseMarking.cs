using System.Buffers;
using CanaryService.Core.Issuance;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>The marking of one response, per choice, as the proxy's rewriters use it.</summary>
public interface IResponseMarking
{
    /// <summary>Marks the whole text of choice <paramref name="choiceIndex"/>.</summary>
    string MarkText(string text, int choiceIndex);

    /// <summary>
    /// As <see cref="MarkText"/>, without a string in or out: writes the marked text to <paramref name="output"/> and
    /// returns true, or returns false and writes nothing when the text stays as it is.
    /// </summary>
    bool TryMarkText(ReadOnlySpan<char> text, int choiceIndex, IBufferWriter<char> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        string original = text.ToString();
        string marked = MarkText(original, choiceIndex);
        if (string.Equals(marked, original, StringComparison.Ordinal))
        {
            return false;
        }

        output.Write(marked);
        return true;
    }

    /// <summary>Starts marking choice <paramref name="choiceIndex"/> as it streams.</summary>
    IStreamingTextMarking CreateStream(int choiceIndex);

    /// <summary>What to record in the issuance log for this response.</summary>
    IssuanceEvent ToIssuance(int markedChoices);
}

/// <summary>
/// Marks one choice's text as it streams: the concatenation of everything <see cref="Append"/> returned plus
/// <see cref="Complete"/> equals <see cref="IResponseMarking.MarkText"/> of the concatenated deltas.
/// </summary>
public interface IStreamingTextMarking
{
    /// <summary>Adds a delta; returns the text that can be emitted now (at most the current partial word is held back).</summary>
    string Append(string delta);

    /// <summary>
    /// As <see cref="Append"/>, without a string per delta: the result may be a buffer that the next call reuses, so it
    /// must be used (encoded, copied) before then.
    /// </summary>
    ReadOnlySpan<char> AppendSpan(ReadOnlySpan<char> delta) => Append(delta.ToString());

    /// <summary>Ends the text; returns what was held back.</summary>
    string Complete();

    /// <summary>
    /// Gives back memory held only for the last <see cref="AppendSpan"/> result, once it was used; the marking goes on
    /// as before. The stream rewriter calls it at the end of each read.
    /// </summary>
    void ReleaseBuffers()
    {
    }
}

/// <summary>Begins the marking of responses.</summary>
public interface IResponseMarker
{
    /// <summary>Prepares the marking of one response to <paramref name="accountId"/>'s request about <paramref name="promptText"/>.</summary>
    ValueTask<IResponseMarking> BeginAsync(string accountId, string promptText, CancellationToken cancellationToken);
}
