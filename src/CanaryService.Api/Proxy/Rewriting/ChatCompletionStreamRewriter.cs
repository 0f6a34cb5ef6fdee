using System.Buffers;
using CanaryService.Api.Proxy.ServerSentEvents;

namespace CanaryService.Api.Proxy.Rewriting;

/// <summary>
/// Marks a streamed chat completion event by event: each choice's <c>delta.content</c> goes through its own
/// streaming marker; events without content (role, tool calls, refusals, usage, comments) pass unchanged; the
/// text a choice's marker holds back comes out in a chunk of its own just before that choice's
/// <c>finish_reason</c> chunk (or before <c>[DONE]</c> / the end of the stream).
/// </summary>
/// <remarks>Written events go to <see cref="Output"/>; the caller sends and flushes them after each read.</remarks>
internal sealed class ChatCompletionStreamRewriter : IServerSentEventSink
{
    private readonly IResponseMarking _marking;
    private readonly Dictionary<int, ChoiceState> _states = [];
    private readonly List<ChoiceContent> _choices = [];
    private readonly List<Range> _envelopeRanges = [];
    private ArrayBufferWriter<byte>? _json; // the new data of an event that is not written straight out
    private byte[] _lastEnvelope = [];
    private byte[] _shape = []; // the bytes before and after the content of the last fully scanned chunk, one after the other
    private int _shapePrefixLength;
    private int _shapeSuffixLength;
    private ChoiceContent? _shapeChoice;
    private char[] _contentChars = new char[64];

    public ChatCompletionStreamRewriter(IResponseMarking marking)
    {
        ArgumentNullException.ThrowIfNull(marking);
        _marking = marking;
    }

    /// <summary>The events ready to send; the caller empties it.</summary>
    public PooledBufferWriter<byte> Output { get; } = new(4096);

    /// <summary>How many choices had text that went through the marker.</summary>
    public int MarkedChoices { get; private set; }

    private ArrayBufferWriter<byte> Json => _json ??= new ArrayBufferWriter<byte>(512);

    /// <inheritdoc />
    public void OnEvent(in ServerSentEvent serverSentEvent)
    {
        ReadOnlySpan<byte> data = serverSentEvent.Data;
        if (serverSentEvent.DataLines == 0)
        {
            Output.Write(serverSentEvent.Raw);
            return;
        }

        if (data.SequenceEqual("[DONE]"u8))
        {
            WriteHeldBackText();
            Output.Write(serverSentEvent.Raw);
            return;
        }

        if (TryRewriteLikeLast(serverSentEvent))
        {
            return;
        }

        if (!TryScanLikeLast(data))
        {
            if (!ChoiceScan.TryScan(data, "delta"u8, _choices, _envelopeRanges))
            {
                Output.Write(serverSentEvent.Raw);
                return;
            }

            RememberEnvelope(data);
            RememberShape(data);
        }

        int copied = 0;
        foreach (ChoiceContent choice in _choices)
        {
            ChoiceState state = StateOf(choice.Index);
            if (choice.Content is not null)
            {
                // Spliced at once: the marker's span is only valid until its next call.
                ReadOnlySpan<char> replacement = Transform(state, choice);
                if (!replacement.SequenceEqual(choice.Content))
                {
                    if (copied == 0)
                    {
                        Json.ResetWrittenCount();
                    }

                    Json.Write(data[copied..choice.ContentStart]);
                    JsonStringSplice.WriteString(Json, replacement);
                    copied = choice.ContentStart + choice.ContentLength;
                }
            }
            else if (choice.Finished || choice.CarriesStructure)
            {
                // Text held back so far must reach the client before the chunk that ends or changes this choice.
                string tail = state.Close();
                if (tail.Length > 0)
                {
                    WriteSyntheticChunk(choice.Index, tail);
                }
            }

            if (choice.CarriesStructure)
            {
                state.Close();
            }
        }

        if (copied == 0)
        {
            Output.Write(serverSentEvent.Raw);
            return;
        }

        Json.Write(data[copied..]);
        WriteEvent(serverSentEvent.Raw, Json.WrittenSpan);
    }

    /// <summary>At the end of the stream: sends the text still held back by choices that never finished.</summary>
    public void Complete() => WriteHeldBackText();

    private ReadOnlySpan<char> Transform(ChoiceState state, in ChoiceContent choice)
    {
        string content = choice.Content!;
        if (choice.CarriesStructure || state.Closed)
        {
            return state.Close() + content;
        }

        IStreamingTextMarking stream = StreamOf(state, choice.Index, content.Length);

        // The usual delta takes the span path (no string per event); a finishing one joins two strings, rarely.
        return choice.Finished ? stream.Append(content) + state.Close() : stream.AppendSpan(content);
    }

    /// <summary>
    /// The fast path for the usual chunk: the same bytes as the last fully scanned chunk around its one content string,
    /// only the string differs. Then the document is that chunk's with another string token in the same place, so the
    /// scan's result is that chunk's with this content (and the envelope is the one already remembered); only the
    /// string itself is read. Anything else, or a string that does not read as exactly one token, takes the full scan.
    /// </summary>
    private bool TryScanLikeLast(ReadOnlySpan<byte> data)
    {
        if (_shapeChoice is not { } last || !MatchesShape(data, out ReadOnlySpan<byte> literal)
            || !ChoiceScan.TryReadString(literal, ref _contentChars, out int length))
        {
            return false;
        }

        _choices.Clear();
        _choices.Add(last with { ContentLength = literal.Length, Content = new string(_contentChars, 0, length) });
        return true;
    }

    /// <summary>
    /// The usual content delta (shaped like the last chunk, its choice still open, no finish reason, no tool calls)
    /// rewritten as <see cref="OnEvent"/> would, without a string for the content or for the marked text: the content is
    /// unescaped into a reused buffer and the marker's span is encoded at once. False: the general path handles it.
    /// </summary>
    private bool TryRewriteLikeLast(in ServerSentEvent serverSentEvent)
    {
        ReadOnlySpan<byte> data = serverSentEvent.Data;
        if (_shapeChoice is not { CarriesStructure: false, Finished: false } last
            || !MatchesShape(data, out ReadOnlySpan<byte> literal)
            || _states.TryGetValue(last.Index, out ChoiceState? known) && known.Closed
            || !ChoiceScan.TryReadString(literal, ref _contentChars, out int length))
        {
            return false;
        }

        ChoiceState state = StateOf(last.Index);
        ReadOnlySpan<char> content = _contentChars.AsSpan(0, length);
        IStreamingTextMarking stream = StreamOf(state, last.Index, length);
        ReadOnlySpan<char> marked = stream.AppendSpan(content);
        if (marked.SequenceEqual(content))
        {
            Output.Write(serverSentEvent.Raw);
            return true;
        }

        ReadOnlySpan<byte> before = data[..last.ContentStart];
        ReadOnlySpan<byte> after = data[(last.ContentStart + literal.Length)..];
        if (IsSingleDataLine(serverSentEvent))
        {
            // The usual framing, "data: {json}\n\n": write the new event straight out rather than through WriteEvent.
            Output.Write("data: "u8);
            Output.Write(before);
            JsonStringSplice.WriteString(Output, marked);
            Output.Write(after);
            Output.Write("\n\n"u8);
            return true;
        }

        Json.ResetWrittenCount();
        Json.Write(before);
        JsonStringSplice.WriteString(Json, marked);
        Json.Write(after);
        WriteEvent(serverSentEvent.Raw, Json.WrittenSpan);
        return true;
    }

    /// <summary>True when the event is exactly <c>data: </c>, its data and a blank line, as WriteEvent would write it.</summary>
    private static bool IsSingleDataLine(in ServerSentEvent serverSentEvent)
    {
        ReadOnlySpan<byte> raw = serverSentEvent.Raw;
        ReadOnlySpan<byte> data = serverSentEvent.Data;
        return serverSentEvent.DataLines == 1 && raw.Length == data.Length + 8 && raw.StartsWith("data: "u8) && raw.EndsWith("\n\n"u8)
            && raw[6..^2].SequenceEqual(data);
    }

    private bool MatchesShape(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> literal)
    {
        literal = default;
        if (data.Length < _shapePrefixLength + _shapeSuffixLength + 2
            || !data.StartsWith(_shape.AsSpan(0, _shapePrefixLength))
            || !data.EndsWith(_shape.AsSpan(_shapePrefixLength, _shapeSuffixLength)))
        {
            return false;
        }

        literal = data[_shapePrefixLength..^_shapeSuffixLength];
        return true;
    }

    /// <summary>Keeps the bytes around the content of a chunk with exactly one string content, for <see cref="TryScanLikeLast"/>.</summary>
    private void RememberShape(ReadOnlySpan<byte> data)
    {
        _shapeChoice = null;
        if (_choices.Count != 1 || _choices[0].Content is null)
        {
            return;
        }

        ChoiceContent choice = _choices[0];
        ReadOnlySpan<byte> prefix = data[..choice.ContentStart];
        ReadOnlySpan<byte> suffix = data[(choice.ContentStart + choice.ContentLength)..];
        if (_shape.Length < prefix.Length + suffix.Length)
        {
            _shape = new byte[Math.Max(prefix.Length + suffix.Length, 256)];
        }

        prefix.CopyTo(_shape);
        suffix.CopyTo(_shape.AsSpan(prefix.Length));
        _shapePrefixLength = prefix.Length;
        _shapeSuffixLength = suffix.Length;
        _shapeChoice = choice;
    }

    /// <summary>The choice's marker, created on its first content; a choice counts as marked once it had text.</summary>
    private IStreamingTextMarking StreamOf(ChoiceState state, int index, int contentLength)
    {
        IStreamingTextMarking stream = state.Stream ??= _marking.CreateStream(index);
        if (!state.Counted && contentLength > 0)
        {
            state.Counted = true;
            MarkedChoices++;
        }

        return stream;
    }

    private ChoiceState StateOf(int index)
    {
        if (!_states.TryGetValue(index, out ChoiceState? state))
        {
            state = new ChoiceState();
            _states.Add(index, state);
        }

        return state;
    }

    private void WriteHeldBackText()
    {
        foreach ((int index, ChoiceState state) in _states)
        {
            string tail = state.Close();
            if (tail.Length > 0)
            {
                WriteSyntheticChunk(index, tail);
            }
        }
    }

    private void RememberEnvelope(ReadOnlySpan<byte> data)
    {
        int length = 0;
        foreach (Range range in _envelopeRanges)
        {
            length += range.GetOffsetAndLength(data.Length).Length + 1;
        }

        if (_lastEnvelope.Length != length)
        {
            _lastEnvelope = new byte[length];
        }

        Span<byte> target = _lastEnvelope;
        foreach (Range range in _envelopeRanges)
        {
            ReadOnlySpan<byte> property = data[range];
            property.CopyTo(target);
            target[property.Length] = (byte)',';
            target = target[(property.Length + 1)..];
        }
    }

    /// <summary>A chunk carrying only <paramref name="text"/> for one choice, in the envelope (id, model, ...) of the last chunk.</summary>
    private void WriteSyntheticChunk(int index, string text)
    {
        Output.Write("data: {"u8);
        Output.Write(_lastEnvelope);
        Output.Write("\"choices\":[{\"index\":"u8);
        Span<byte> digits = stackalloc byte[11];
        System.Buffers.Text.Utf8Formatter.TryFormat(index, digits, out int written);
        Output.Write(digits[..written]);
        Output.Write(",\"delta\":{\"content\":"u8);
        JsonStringSplice.WriteString(Output, text);
        Output.Write("},\"finish_reason\":null}]}\n\n"u8);
    }

    /// <summary>Writes the event with new data: its other lines as they were, the data as one <c>data:</c> line per JSON line.</summary>
    private void WriteEvent(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> data)
    {
        bool dataWritten = false;
        ReadOnlySpan<byte> rest = raw;
        if (!rest.IsEmpty && rest[0] == (byte)'\n')
        {
            // The LF of a CRLF split across reads: the parser ended the previous event at its CR and carried the LF
            // over. It belongs to the previous event's line end; send it on so the framing stays byte for byte.
            Output.Write("\n"u8);
            rest = rest[1..];
        }

        while (!rest.IsEmpty)
        {
            int end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            int next = end < 0 ? rest.Length : end + 1;
            if (end >= 0 && rest[end] == (byte)'\r' && next < rest.Length && rest[next] == (byte)'\n')
            {
                next++;
            }

            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
            ReadOnlySpan<byte> lineWithEnd = rest[..next];
            rest = rest[next..];
            if (line.IsEmpty)
            {
                continue;
            }

            if (!IsDataLine(line))
            {
                Output.Write(lineWithEnd);
                continue;
            }

            if (dataWritten)
            {
                continue;
            }

            dataWritten = true;
            ReadOnlySpan<byte> remaining = data;
            while (true)
            {
                int newline = remaining.IndexOf((byte)'\n');
                Output.Write("data: "u8);
                Output.Write(newline < 0 ? remaining : remaining[..newline]);
                Output.Write("\n"u8);
                if (newline < 0)
                {
                    break;
                }

                remaining = remaining[(newline + 1)..];
            }
        }

        Output.Write("\n"u8);
    }

    private static bool IsDataLine(ReadOnlySpan<byte> line) =>
        line.StartsWith("data"u8) && (line.Length == 4 || line[4] == (byte)':');

    private sealed class ChoiceState
    {
        public IStreamingTextMarking? Stream { get; set; }

        public bool Counted { get; set; }

        public bool Closed { get; private set; }

        /// <summary>Stops marking this choice; returns the text its marker still held.</summary>
        public string Close()
        {
            if (Closed)
            {
                return "";
            }

            Closed = true;
            return Stream?.Complete() ?? "";
        }
    }
}
