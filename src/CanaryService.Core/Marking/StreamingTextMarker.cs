using System.Buffers;
using CanaryService.Core.Lexicon;

namespace CanaryService.Core.Marking;

/// <summary>
/// Marks a text that arrives in deltas. It holds back only what is not decided yet: the current partial word (a
/// whitespace-delimited token), a few characters at a line start while a code fence may be opening, and a
/// guarded lexicon word until the word after it is complete. A phrase canary, when the response carries one, is
/// put where the answer closes (see <c>PhraseInsertion</c>), which may hold back a short closing paragraph
/// until the answer ends or goes on. The concatenated output of <see cref="Append"/>
/// and <see cref="Complete"/> equals the whole-text marking of the concatenated deltas, for any chunking.
/// </summary>
public sealed class StreamingTextMarker
{
    private readonly TextMarker _marker;
    private readonly PhraseInsertion? _insertion;
    private readonly ResponseMarking? _response;
    // Rented, and returned by Complete (and between reads by ReleaseBuffers): under load a fresh pair of arrays per
    // answer is memory the cache has never seen; rented ones were most likely just used on the same core.
    private const int InitialCapacity = 256;
    private char[] _pending = ArrayPool<char>.Shared.Rent(InitialCapacity);
    private char[] _decided = ArrayPool<char>.Shared.Rent(InitialCapacity);
    private int _pendingLength;
    private ScannerState _state = ScannerState.Initial;
    private bool _completed;
    private bool _started;

    // The response this stream belongs to, told the words it reads and when its canary goes in.
    internal StreamingTextMarker(TextMarker marker, PhraseInsertion? insertion, ResponseMarking? response)
    {
        _marker = marker;
        _insertion = insertion;
        _response = response;
    }

    /// <summary>Creates a stream with the lexical watermark only.</summary>
    public StreamingTextMarker(TextMarker marker)
        : this(marker ?? throw new ArgumentNullException(nameof(marker)), null, null)
    {
    }

    /// <summary>How many characters are held back right now.</summary>
    public int HeldBack => _pendingLength;

    /// <summary>Takes the next delta and returns the marked text that is now decided (possibly empty).</summary>
    public string Append(string? delta)
    {
        ReadOnlySpan<char> decided = AppendSpan(delta);
        return decided.IsEmpty ? string.Empty : decided.ToString();
    }

    /// <summary>
    /// As <see cref="Append(string)"/>, without a string per delta: the decided text is returned in a buffer of this
    /// stream's that the next call reuses (the proxy encodes it to UTF-8 at once, so a string would be garbage at once).
    /// </summary>
    public ReadOnlySpan<char> AppendSpan(ReadOnlySpan<char> delta)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (delta.IsEmpty)
        {
            return default;
        }

        _response?.CountWords(delta, firstOfText: !_started);
        _started = true;
        EnsureCapacity(delta.Length);
        delta.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += delta.Length;
        return RunIntoDecided(isFinal: false);
    }

    /// <summary>
    /// Gives back the memory that only the last result needed, once the caller has used it: the decided text's buffer,
    /// and a pending buffer grown larger than what is held back. The stream goes on as before and rents again when
    /// text comes. A proxy calls this between reads, so that many answers streaming at once do not each keep buffers
    /// that have left the caches by their next read.
    /// </summary>
    public void ReleaseBuffers()
    {
        // After Complete both buffers are empty, so neither branch runs.
        if (_decided.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_decided);
            _decided = [];
        }

        if (_pending.Length > InitialCapacity && _pendingLength <= InitialCapacity)
        {
            char[] small = ArrayPool<char>.Shared.Rent(InitialCapacity);
            _pending.AsSpan(0, _pendingLength).CopyTo(small);
            ArrayPool<char>.Shared.Return(_pending);
            _pending = small;
        }
    }

    /// <summary>Ends the stream and returns the held-back text, marked.</summary>
    public string Complete()
    {
        if (_completed)
        {
            return string.Empty;
        }

        ReadOnlySpan<char> tail = RunIntoDecided(isFinal: true);
        _completed = true;
        string text = tail.IsEmpty ? string.Empty : tail.ToString();
        ArrayPool<char>.Shared.Return(_pending);
        ArrayPool<char>.Shared.Return(_decided); // the run above rented it if ReleaseBuffers had given it back
        _pending = [];
        _decided = [];
        return text;
    }

    /// <summary>Marks what is decided of the pending text and returns it, in <see cref="_decided"/>.</summary>
    private ReadOnlySpan<char> RunIntoDecided(bool isFinal)
    {
        // Marked straight into the stream's own buffer: no pooled buffer and no copy per delta. The output is about as
        // long as the text it marks.
        if (_decided.Length == 0)
        {
            _decided = ArrayPool<char>.Shared.Rent(Math.Max(_pendingLength + 64, InitialCapacity));
        }

        var output = MarkedOutput.Over(_decided);
        try
        {
            int consumed = _marker.Mark(_pending.AsSpan(0, _pendingLength), ref _state, isFinal, ref output);
            if (output.Buffer != _decided)
            {
                // The output outgrew the stream's buffer into a larger rented one, which the stream keeps instead.
                ArrayPool<char>.Shared.Return(_decided);
                _decided = output.Buffer;
            }

            _pending.AsSpan(consumed, _pendingLength - consumed).CopyTo(_pending);
            _pendingLength -= consumed;
            if (_insertion is null)
            {
                return output.Length == 0 ? default : output.Written;
            }

            // The canary goes where the answer closes: the insertion may hold back a paragraph that looks like a
            // closing until it knows whether the answer ends there.
            var withPhrase = new MarkedOutput(output.Length + 256);
            try
            {
                _insertion.Process(output.Written, ref withPhrase);
                if (isFinal)
                {
                    _insertion.Finish(ref withPhrase);
                    if (_insertion.Inserted)
                    {
                        _response?.NoteCanaryEmitted();
                    }
                }

                return withPhrase.Length == 0 ? default : KeepDecided(withPhrase.Written);
            }
            finally
            {
                withPhrase.Dispose();
            }
        }
        finally
        {
            output.Dispose();
        }
    }

    private ReadOnlySpan<char> KeepDecided(ReadOnlySpan<char> text)
    {
        if (_decided.Length < text.Length)
        {
            ArrayPool<char>.Shared.Return(_decided);
            _decided = ArrayPool<char>.Shared.Rent(text.Length);
        }

        text.CopyTo(_decided);
        return _decided.AsSpan(0, text.Length);
    }

    private void EnsureCapacity(int extra)
    {
        if (_pendingLength + extra > _pending.Length)
        {
            char[] larger = ArrayPool<char>.Shared.Rent(Math.Max(_pending.Length * 2, _pendingLength + extra));
            _pending.AsSpan(0, _pendingLength).CopyTo(larger);
            ArrayPool<char>.Shared.Return(_pending);
            _pending = larger;
        }
    }
}
