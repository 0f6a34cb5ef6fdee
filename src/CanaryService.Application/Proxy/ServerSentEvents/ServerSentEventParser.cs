using System.Buffers;

namespace CanaryService.Application.Proxy.ServerSentEvents;

/// <summary>
/// An incremental server-sent-events parser over raw bytes: reads may split anywhere (inside a line, a CRLF
/// pair or a multi-byte UTF-8 character); an event is handed on as soon as its terminating blank line arrives.
/// </summary>
/// <remarks>
/// It works on bytes and never decodes, so a UTF-8 sequence split across reads is simply carried over. Line ends
/// are CRLF, LF or CR, as the SSE specification allows.
/// </remarks>
internal sealed class ServerSentEventParser
{
    private ArrayBufferWriter<byte>? _joinedData; // only for events of several data lines
    private byte[] _pending = []; // the start of an event a read ended in
    private int _count;
    private int _scanned;
    private int _lineStart;
    private bool _skipLineFeed;

    /// <summary>Bytes of an incomplete event still waiting for its blank line.</summary>
    public int PendingBytes => _count;

    /// <summary>
    /// Adds bytes and hands every event they complete to <paramref name="sink"/>, in order, then tells it the read has
    /// ended (<see cref="IServerSentEventSink.OnReadEnd"/>).
    /// </summary>
    public void Feed(ReadOnlySpan<byte> bytes, IServerSentEventSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        FeedRead(bytes, sink);
        sink.OnReadEnd();
    }

    private void FeedRead(ReadOnlySpan<byte> bytes, IServerSentEventSink sink)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (_skipLineFeed)
        {
            // The previous read ended with CR; a LF right after it belongs to the same line end.
            _skipLineFeed = false;
            if (bytes[0] == (byte)'\n')
            {
                Append(bytes[..1]);
                bytes = bytes[1..];
                _scanned++;
                _lineStart++;
            }
        }

        if (_count == 0)
        {
            // Nothing carried over: dispatch the complete events straight from the read and keep only its incomplete
            // tail. Under load a fast upstream's events arrive coalesced into reads of tens of kilobytes; copying each
            // read into the pending buffer first grew (allocated and copied) that buffer to the read's size per answer.
            int consumed = ScanEvents(bytes, sink);
            _scanned -= consumed;
            _lineStart -= consumed;
            Append(bytes[consumed..]);
            return;
        }

        // An event begun in an earlier read: carry over only what completes it, then go on from the read itself (the
        // rest of a read of many events was copied into the pending buffer, which grew to the read's size per answer).
        int end = PendingEventEnd(bytes);
        if (end < 0)
        {
            Append(bytes);
            ScanEvents(_pending.AsSpan(0, _count), sink); // nothing completes; this only follows the lines
            return;
        }

        Append(bytes[..end]);
        Compact(ScanEvents(_pending.AsSpan(0, _count), sink));
        FeedRead(bytes[end..], sink);
    }

    /// <summary>Ends the input: an event cut off before its blank line is still handed on.</summary>
    public void Finish(IServerSentEventSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (_count > 0)
        {
            Dispatch(_pending.AsSpan(0, _count), sink);
        }

        sink.OnReadEnd();
        Reset();
        PooledArray.Return(ref _pending);
    }

    /// <summary>
    /// How many of <paramref name="bytes"/> complete the pending event (up to and including its blank line), or -1 when
    /// they do not. The pending bytes end at a line boundary or inside the line that began at <see cref="_lineStart"/>.
    /// </summary>
    private int PendingEventEnd(ReadOnlySpan<byte> bytes)
    {
        int lineStart = _lineStart - _count; // where the current line began, relative to bytes (0 or before)
        int position = 0;
        while (position < bytes.Length)
        {
            int terminator = FindLineEnd(bytes, position, out int next);
            if (terminator < 0)
            {
                return -1;
            }

            if (terminator == lineStart)
            {
                return next; // a blank line
            }

            lineStart = next;
            position = next;
        }

        return -1;
    }

    /// <summary>Dispatches the complete events in <paramref name="buffer"/>; returns how many bytes they took.</summary>
    private int ScanEvents(ReadOnlySpan<byte> buffer, IServerSentEventSink sink)
    {
        int eventStart = 0;

        // The lines of an event scanned from its first byte in this call are known here; Dispatch need not find them
        // again when there is just one (the usual "data: {...}" event). An event begun in an earlier read is not.
        bool wholeEventSeen = _scanned == 0;
        int lines = 0;
        int firstLineEnd = -1;
        while (_scanned < buffer.Length)
        {
            if (_scanned == eventStart && wholeEventSeen)
            {
                // At an event's first byte: the sink may take a run of events it knows the shape of in one go.
                int taken = sink.TakeEvents(buffer[eventStart..]);
                if (taken > 0)
                {
                    eventStart += taken;
                    _scanned = eventStart;
                    _lineStart = eventStart;
                    continue;
                }
            }

            int terminator = FindLineEnd(buffer, _scanned, out int next);
            if (terminator < 0)
            {
                _scanned = buffer.Length;
                break;
            }

            if (terminator == buffer.Length - 1 && buffer[terminator] == (byte)'\r')
            {
                _skipLineFeed = true; // a CR that ends the read: a LF that starts the next one belongs to this line end
            }

            bool blankLine = terminator == _lineStart;
            _scanned = next;
            _lineStart = next;
            if (blankLine)
            {
                ReadOnlySpan<byte> raw = buffer[eventStart..next];
                if (wholeEventSeen && lines == 1)
                {
                    DispatchOneLine(raw, raw[..(firstLineEnd - eventStart)], sink);
                }
                else
                {
                    Dispatch(raw, sink);
                }

                eventStart = next;
                wholeEventSeen = true;
                lines = 0;
            }
            else if (lines++ == 0)
            {
                firstLineEnd = terminator;
            }
        }

        return eventStart;
    }

    /// <summary>
    /// The first line end at or after <paramref name="from"/> (CR, LF or CR LF), or -1; <paramref name="next"/> is where
    /// the line after it starts.
    /// </summary>
    private static int FindLineEnd(ReadOnlySpan<byte> buffer, int from, out int next)
    {
        if (from < buffer.Length && buffer[from] == (byte)'\n')
        {
            // An empty line: every event ends with one, and a vectorised search costs more than this check.
            next = from + 1;
            return from;
        }

        int offset = buffer[from..].IndexOfAny((byte)'\r', (byte)'\n');
        if (offset < 0)
        {
            next = buffer.Length;
            return -1;
        }

        int terminator = from + offset;
        next = terminator + 1;
        if (buffer[terminator] == (byte)'\r' && next < buffer.Length && buffer[next] == (byte)'\n')
        {
            next++;
        }

        return terminator;
    }

    /// <summary><see cref="Dispatch"/> for an event of one line (and its blank line), the line already found.</summary>
    private static void DispatchOneLine(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> line, IServerSentEventSink sink)
    {
        int colon = line.IndexOf((byte)':');
        ReadOnlySpan<byte> field = colon < 0 ? line : line[..colon];
        if (line[0] == (byte)':' || !field.SequenceEqual("data"u8))
        {
            sink.OnEvent(new ServerSentEvent(raw, default, 0)); // a comment or another field: no data
            return;
        }

        ReadOnlySpan<byte> value = colon < 0 ? default : line[(colon + 1)..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        sink.OnEvent(new ServerSentEvent(raw, value, 1));
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (_count + bytes.Length > _pending.Length)
        {
            // Under load nearly every streamed answer carries bytes over.
            PooledArray.Grow(ref _pending, _count, _count + bytes.Length, minimum: 512);
        }

        bytes.CopyTo(_pending.AsSpan(_count));
        _count += bytes.Length;
    }

    private void Compact(int consumed)
    {
        // Keeps the start of the next, incomplete event (Span.CopyTo handles the overlap).
        _pending.AsSpan(consumed, _count - consumed).CopyTo(_pending);
        _count -= consumed;
        _scanned -= consumed;
        _lineStart -= consumed;
    }

    private void Reset()
    {
        _count = 0;
        _scanned = 0;
        _lineStart = 0;
        _skipLineFeed = false;
    }

    private void Dispatch(ReadOnlySpan<byte> raw, IServerSentEventSink sink)
    {
        ReadOnlySpan<byte> data = default;
        int dataLines = 0;
        _joinedData?.ResetWrittenCount();
        ReadOnlySpan<byte> rest = raw;
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
            int next = end < 0 ? rest.Length : end + 1;
            if (end >= 0 && rest[end] == (byte)'\r' && next < rest.Length && rest[next] == (byte)'\n')
            {
                next++;
            }

            rest = rest[next..];
            if (line.IsEmpty || line[0] == (byte)':')
            {
                continue;
            }

            int colon = line.IndexOf((byte)':');
            ReadOnlySpan<byte> field = colon < 0 ? line : line[..colon];
            if (!field.SequenceEqual("data"u8))
            {
                continue;
            }

            ReadOnlySpan<byte> value = colon < 0 ? default : line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }

            // One data line (the usual case) is used in place; several are joined with LF as the spec says.
            if (dataLines == 0)
            {
                data = value;
            }
            else
            {
                ArrayBufferWriter<byte> joined = _joinedData ??= new ArrayBufferWriter<byte>(256);
                if (dataLines == 1)
                {
                    joined.Write(data);
                }

                joined.Write("\n"u8);
                joined.Write(value);
            }

            dataLines++;
        }

        if (dataLines > 1)
        {
            data = _joinedData!.WrittenSpan;
        }

        sink.OnEvent(new ServerSentEvent(raw, data, dataLines));
    }
}
