using System.Buffers;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Issuance;

namespace CanaryService.Application.Proxy.Forwarding;

/// <summary>
/// Counts the words of the text a marking sees (spaces and line breaks, plus one per text), for the account's output
/// volume: a vectorised count over text the marker reads anyway, so it adds nothing noticeable to the answer's path.
/// </summary>
internal sealed class WordCountingMarking(IResponseMarking inner) : IResponseMarking
{
    private long _words;

    /// <summary>Words seen so far.</summary>
    public long Words => Interlocked.Read(ref _words);

    public string MarkText(string text, int choiceIndex)
    {
        Count(text);
        return inner.MarkText(text, choiceIndex);
    }

    public bool TryMarkText(ReadOnlySpan<char> text, int choiceIndex, IBufferWriter<char> output)
    {
        Count(text);
        return inner.TryMarkText(text, choiceIndex, output);
    }

    public IStreamingTextMarking CreateStream(int choiceIndex) => new Stream(inner.CreateStream(choiceIndex), this);

    public IssuanceEvent ToIssuance(int markedChoices) => inner.ToIssuance(markedChoices);

    private void Count(ReadOnlySpan<char> text, bool first = true)
    {
        if (!text.IsEmpty)
        {
            Interlocked.Add(ref _words, text.Count(' ') + text.Count('\n') + (first ? 1 : 0));
        }
    }

    private sealed class Stream(IStreamingTextMarking inner, WordCountingMarking counter) : IStreamingTextMarking
    {
        private bool _started;

        public string Append(string delta)
        {
            Note(delta);
            return inner.Append(delta);
        }

        public ReadOnlySpan<char> AppendSpan(ReadOnlySpan<char> delta)
        {
            Note(delta);
            return inner.AppendSpan(delta);
        }

        public string Complete() => inner.Complete();

        public void ReleaseBuffers() => inner.ReleaseBuffers();

        private void Note(ReadOnlySpan<char> delta)
        {
            counter.Count(delta, first: !_started && !delta.IsEmpty);
            _started |= !delta.IsEmpty;
        }
    }
}
