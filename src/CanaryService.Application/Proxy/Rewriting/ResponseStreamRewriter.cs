using System.Text;
using System.Text.Json;
using CanaryService.Application.Proxy.ServerSentEvents;
using CanaryService.Core.Marking;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Marks a stream of typed events (the Responses API) as its <see cref="StreamEventRule"/>s describe: each delta goes
/// through its slot's streaming marker, and every event that repeats a slot's text carries exactly the concatenation
/// of the marked deltas sent for it. Events the rules do not name, and every byte outside the texts, pass as they came.
/// </summary>
/// <remarks>
/// <para>
/// A slot's marker holds back its partial last word until the slot closes, and typed events are numbered
/// (<c>sequence_number</c>), so no event can be added for that word: the last delta event of a slot is held until
/// the next event arrives, and when that event closes the slot the held delta leaves carrying the held-back text too.
/// Text so reaches the caller one event later than it would unmarked. Events that come between a delta and the
/// event that closes its slot (an annotation) wait behind the held delta, up to <see cref="MaxQueuedEvents"/>; past
/// that, or when another slot's delta interrupts, the held-back text leaves in a copy of the slot's last delta event.
/// </para>
/// <para>
/// A stream is mostly deltas, so nothing here makes a string per event: the type is matched as bytes, the texts are
/// found by one reader pass without names (<see cref="JsonTextFinder"/>), a delta is unescaped into a pooled buffer,
/// and the held delta, the events behind it and each slot's marked text live in pooled buffers. One slot's deltas that
/// come one after the other within a read are marked together, in one call of the marker (<see cref="MarkRun"/>), as
/// the chat stream's are. A slot's whole marked text is escaped once and copied into every event that repeats it.
/// </para>
/// </remarks>
internal sealed class ResponseStreamRewriter : IStreamRewriter
{
    /// <summary>How many events may wait behind a held delta before it leaves without the slot's end.</summary>
    internal const int MaxQueuedEvents = 64;

    // The longest event type matched without a string (the API's longest is about 45 characters).
    private const int MaxTypeLength = 96;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    private readonly ResponseMarking _marking;
    private readonly IReadOnlyDictionary<string, StreamEventRule> _rules;
    private readonly Dictionary<string, StreamEventRule>.AlternateLookup<ReadOnlySpan<char>> _rulesBySpan;
    private readonly bool _hasSpanLookup;
    private readonly JsonTextFinder _finder = new();
    private readonly List<FoundText> _found = [];
    private readonly List<(int Start, int Length, SlotState State)> _replacements = [];
    private readonly Dictionary<TextSlot, SlotState> _slots = [];
    private readonly SlotIndices _indices = new();
    private readonly PooledBufferWriter<char> _heldText = new(256); // the held delta's marked text (and, when it closes its slot, the slot's end)
    private readonly List<RunItem> _runItems = new(32); // sized for a fast upstream's read of about 30 events
    private readonly PooledBufferWriter<byte> _runBytes = new(2048); // the run's events, each its raw bytes then its data
    private readonly PooledBufferWriter<char> _runText = new(512); // the run's deltas' texts, one after the other
    private SlotState? _run; // the slot of the deltas gathered and not marked yet
    private PooledBufferWriter<byte>? _queued; // the events waiting behind the held delta, one after the other
    private PooledBufferWriter<byte>? _json; // the new data of an event that is not written as it came
    private char[] _chars = []; // a text decoded from its literal (pooled; lives within one event)
    private int _queuedCount;
    private SlotState? _held;
    private bool _passThrough;

    public ResponseStreamRewriter(ResponseMarking marking, IReadOnlyDictionary<string, StreamEventRule> rules)
    {
        ArgumentNullException.ThrowIfNull(marking);
        ArgumentNullException.ThrowIfNull(rules);
        _marking = marking;
        _rules = rules;
        _hasSpanLookup = rules is Dictionary<string, StreamEventRule> dictionary && dictionary.TryGetAlternateLookup(out _rulesBySpan);
    }

    /// <inheritdoc />
    public PooledBufferWriter<byte> Output { get; } = new(4096);

    /// <inheritdoc />
    /// <remarks>1 once any text of the response went through the marker: a response counts as one marked answer.</remarks>
    public int MarkedChoices { get; private set; }

    private PooledBufferWriter<byte> Json => _json ??= new PooledBufferWriter<byte>(512);

    private PooledBufferWriter<byte> Queued => _queued ??= new PooledBufferWriter<byte>(1024);

    /// <inheritdoc />
    public void OnEvent(in ServerSentEvent serverSentEvent)
    {
        ReadOnlySpan<byte> data = serverSentEvent.Data;
        if (_passThrough)
        {
            Output.Write(serverSentEvent.Raw);
            return;
        }

        if (serverSentEvent.DataLines == 0 || RuleOf(data) is not { } rule)
        {
            PassOn(serverSentEvent.Raw);
            return;
        }

        if (rule.CarriesResponse && IsStructuredResponse(data))
        {
            // Structured output (a fetched stream of one): its text is JSON for a program, never marked.
            MarkRun();
            Release(tail: "");
            _passThrough = true;
            Output.Write(serverSentEvent.Raw);
            return;
        }

        if (!_finder.TryFind(data, rule.PathSet, _found))
        {
            PassOn(serverSentEvent.Raw);
            return;
        }

        if (rule.IsDelta)
        {
            OnDelta(serverSentEvent, rule);
        }
        else
        {
            MarkRun();
            OnRepeat(serverSentEvent, rule);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The buffers that live within one event go back to the pool here, and the markers' span buffers (every marked
    /// delta was copied out already), as the chat stream rewriter does: a Host serving many answers cycles each
    /// thread's few buffers instead of holding a set per answer between its reads.
    /// </remarks>
    public void OnReadEnd()
    {
        MarkRun();
        foreach (SlotState state in _slots.Values)
        {
            state.Stream?.ReleaseBuffers();
        }

        PooledArray.Return(ref _chars);
        _json?.Release();
    }

    /// <inheritdoc />
    public void OutputSent() => Output.Release();

    /// <inheritdoc />
    /// <remarks>The stream ended (with or without the events that close its slots): every slot still open closes now.</remarks>
    public void Complete()
    {
        MarkRun();
        if (_held is { } held)
        {
            Release(CloseStream(held));
        }

        foreach (SlotState state in _slots.Values)
        {
            if (!state.Closed && state.Stream is not null)
            {
                WriteCopy(state, CloseStream(state));
            }
        }

        Release(tail: "");
    }

    /// <inheritdoc />
    public void Release()
    {
        foreach (SlotState state in _slots.Values)
        {
            state.Release();
        }

        _heldText.Release();
        _runBytes.Release();
        _runText.Release();
        _queued?.Release();
        _json?.Release();
        PooledArray.Return(ref _chars);
        Output.Release();
    }

    private void OnDelta(in ServerSentEvent serverSentEvent, StreamEventRule rule)
    {
        TextRule textRule = rule.Texts[0];
        if (_found.Count != 1 || textRule.SlotOf(_found[0], _finder.RootIntegers) is not { } slot
            || !TryDecode(serverSentEvent.Data, _found[0], out ReadOnlySpan<char> delta))
        {
            PassOn(serverSentEvent.Raw);
            return;
        }

        SlotState state = StateOf(slot);
        if (state.Closed)
        {
            PassOn(serverSentEvent.Raw); // a delta after its slot closed: passed on as it came rather than reordered
            return;
        }

        if (!ReferenceEquals(_run, state))
        {
            // A new run: another slot's run is marked first, then whatever is held leaves as decided so far.
            MarkRun();
            Release(tail: "");
            state.Stream ??= _marking.CreateStream(_indices.Of(slot, textRule.Role));
            _run = state;
        }

        FoundText found = _found[0];
        int rawStart = _runBytes.WrittenCount;
        _runBytes.Write(serverSentEvent.Raw);
        _runBytes.Write(serverSentEvent.Data);
        _runText.Write(delta);
        _runItems.Add(new RunItem(rawStart, serverSentEvent.Raw.Length, serverSentEvent.Data.Length, found.Start, found.Length, delta.Length));
        if (delta.Length > 0)
        {
            MarkedChoices = 1;
        }
    }

    /// <summary>
    /// Marks the run of deltas gathered (one slot's, one after the other, within one read) in one call of its marker, and
    /// writes each delta's event with as many of the marked characters as it brought (a surrogate pair never split):
    /// text the marker holds back or a word it lengthens moves between events that leave in the same write anyway.
    /// The last one is held, carrying the rest, as a single delta would be.
    /// </summary>
    /// <remarks>A marker call per delta cost several times the whole rest of the event's work; one per read is what the chat stream pays.</remarks>
    private void MarkRun()
    {
        if (_run is not { } state)
        {
            return;
        }

        _run = null;
        ReadOnlySpan<char> texts = _runText.WrittenSpan;
        ReadOnlySpan<byte> bytes = _runBytes.WrittenSpan;

        // The marker's span is valid until its next call: used at once, copied into the slot's text and the held delta.
        ReadOnlySpan<char> marked = state.Stream!.AppendSpan(texts);
        state.Text.Write(marked);
        int start = 0;
        int delivered = 0;
        for (int i = 0; i < _runItems.Count; i++)
        {
            RunItem item = _runItems[i];
            bool last = i == _runItems.Count - 1;
            int end = last ? marked.Length : Math.Clamp(delivered + item.TextLength, start, marked.Length);
            if (end > start && end < marked.Length && char.IsHighSurrogate(marked[end - 1]))
            {
                end++;
            }

            ReadOnlySpan<char> share = marked[start..end];
            ReadOnlySpan<char> original = texts.Slice(delivered, item.TextLength);
            ReadOnlySpan<byte> raw = bytes.Slice(item.RawStart, item.RawLength);
            ReadOnlySpan<byte> data = bytes.Slice(item.RawStart + item.RawLength, item.DataLength);
            if (last)
            {
                state.KeepLastDelta(raw, data, item.LiteralStart, item.LiteralLength, original);
                _heldText.ResetWrittenCount();
                _heldText.Write(share);
                _held = state;
            }
            else if (share.SequenceEqual(original))
            {
                Output.Write(raw);
            }
            else
            {
                WriteWithText(raw, data, item.LiteralStart, item.LiteralLength, share);
            }

            start = end;
            delivered += item.TextLength;
        }

        _runItems.Clear();
        _runBytes.ResetWrittenCount();
        _runText.ResetWrittenCount();
    }

    private void OnRepeat(in ServerSentEvent serverSentEvent, StreamEventRule rule)
    {
        ReadOnlySpan<byte> data = serverSentEvent.Data;
        _replacements.Clear();
        foreach (FoundText found in _found)
        {
            TextRule textRule = rule.Texts[found.PathIndex];
            if (textRule.SlotOf(found, _finder.RootIntegers) is not { } slot || !TryDecode(data, found, out ReadOnlySpan<char> original))
            {
                continue;
            }

            SlotState state = Close(slot, textRule.Role, original);
            if (!state.Text.WrittenSpan.SequenceEqual(original))
            {
                _replacements.Add((found.Start, found.Length, state));
            }
        }

        // Anything still held (another slot's delta) came before this event.
        Release(tail: "");
        if (_replacements.Count == 0)
        {
            Output.Write(serverSentEvent.Raw);
            return;
        }

        PooledBufferWriter<byte> rewritten = Json;
        rewritten.ResetWrittenCount();
        int copied = 0;
        foreach ((int start, int length, SlotState state) in _replacements)
        {
            rewritten.Write(data[copied..start]);
            rewritten.Write(state.Literal());
            copied = start + length;
        }

        rewritten.Write(data[copied..]);
        ServerSentEventWriter.WriteEvent(Output, serverSentEvent.Raw, rewritten.WrittenSpan);
    }

    /// <summary>Closes a slot (once); its <see cref="SlotState.Text"/> is then its whole marked text: its deltas' marked concatenation, or, never streamed, the marked whole.</summary>
    private SlotState Close(TextSlot slot, TextRole role, ReadOnlySpan<char> original)
    {
        SlotState state = StateOf(slot);
        if (state.Closed)
        {
            return state;
        }

        if (state.Stream is not null)
        {
            string tail = CloseStream(state);
            if (ReferenceEquals(_held, state))
            {
                Release(tail);
            }
            else if (tail.Length > 0)
            {
                Release(tail: "");
                WriteCopy(state, tail);
            }

            return state;
        }

        // Never streamed (a response object's text, or an event that repeats a text no delta brought): rare, so a string.
        if (original.Length > 0)
        {
            MarkedChoices = 1;
        }

        state.Text.Write(_marking.MarkText(original.ToString(), _indices.Of(slot, role)));
        state.Closed = true;
        return state;
    }

    /// <summary>Ends a streamed slot's marker: its held-back end joins the slot's text, which is then whole.</summary>
    private static string CloseStream(SlotState state)
    {
        string tail = state.Stream!.Complete();
        state.Text.Write(tail);
        state.Closed = true;
        return tail;
    }

    /// <summary>An event no rule marks: it waits behind a held delta (so the order holds), or leaves now.</summary>
    private void PassOn(ReadOnlySpan<byte> raw)
    {
        MarkRun();
        if (_held is not null && _queuedCount < MaxQueuedEvents)
        {
            Queued.Write(raw);
            _queuedCount++;
            return;
        }

        Release(tail: "");
        Output.Write(raw);
    }

    /// <summary>Sends the held delta (with <paramref name="tail"/> added to its text) and the events that waited behind it.</summary>
    private void Release(string tail)
    {
        if (_held is not { } held)
        {
            return;
        }

        _held = null;
        _heldText.Write(tail);
        ReadOnlySpan<char> text = _heldText.WrittenSpan;
        if (text.SequenceEqual(held.LastDeltaText))
        {
            Output.Write(held.LastDeltaRaw);
        }
        else
        {
            WriteWithText(held, text);
        }

        if (_queuedCount > 0)
        {
            Output.Write(_queued!.WrittenSpan);
            _queued.ResetWrittenCount();
            _queuedCount = 0;
        }
    }

    /// <summary>The held-back end of a slot whose last delta already left: in a copy of that delta event (the rare case).</summary>
    private void WriteCopy(SlotState state, string tail)
    {
        if (tail.Length > 0)
        {
            WriteWithText(state, tail);
        }
    }

    /// <summary>The slot's last delta event with <paramref name="text"/> in place of its delta.</summary>
    private void WriteWithText(SlotState state, ReadOnlySpan<char> text) =>
        WriteWithText(state.LastDeltaRaw, state.LastDeltaData, state.LastDeltaStart, state.LastDeltaLength, text);

    /// <summary>A delta event with <paramref name="text"/> in place of the literal at <paramref name="start"/> of its data.</summary>
    private void WriteWithText(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> data, int start, int length, ReadOnlySpan<char> text)
    {
        PooledBufferWriter<byte> rewritten = Json;
        rewritten.ResetWrittenCount();
        rewritten.Write(data[..start]);
        JsonStringSplice.WriteString(rewritten, text);
        rewritten.Write(data[(start + length)..]);
        ServerSentEventWriter.WriteEvent(Output, raw, rewritten.WrittenSpan);
    }

    private SlotState StateOf(TextSlot slot)
    {
        if (!_slots.TryGetValue(slot, out SlotState? state))
        {
            state = new SlotState();
            _slots[slot] = state;
        }

        return state;
    }

    /// <summary>Unescapes a found string into the reused character buffer; false when it is not one valid string.</summary>
    private bool TryDecode(ReadOnlySpan<byte> data, FoundText found, out ReadOnlySpan<char> text)
    {
        // One UTF-8 byte never gives more than one UTF-16 character, and escapes only shrink.
        if (_chars.Length < found.Length)
        {
            PooledArray.Grow(ref _chars, 0, found.Length);
        }

        if (ChoiceScan.TryReadString(data.Slice(found.Start, found.Length), _chars, out int length))
        {
            text = _chars.AsSpan(0, length);
            return true;
        }

        text = default;
        return false;
    }

    /// <summary>The rule of the event's <c>type</c>, or null when it has none (or its data is not a JSON object with a string <c>type</c>).</summary>
    private StreamEventRule? RuleOf(ReadOnlySpan<byte> data)
    {
        // The usual event starts with its type, plain ASCII: matched as it is, without a string.
        ReadOnlySpan<byte> opening = "{\"type\":\""u8;
        if (_hasSpanLookup && data.StartsWith(opening))
        {
            ReadOnlySpan<byte> rest = data[opening.Length..];
            int end = rest.IndexOfAny((byte)'"', (byte)'\\');
            if (end >= 0 && end <= MaxTypeLength && rest[end] == (byte)'"' && Ascii.IsValid(rest[..end]) && !rest[..end].ContainsAnyInRange((byte)0, (byte)0x1F))
            {
                Span<char> type = stackalloc char[MaxTypeLength];
                Ascii.ToUtf16(rest[..end], type, out int length);
                return _rulesBySpan.TryGetValue(type[..length], out StreamEventRule? found) ? found : null;
            }
        }

        return ReadType(data) is { } name && _rules.TryGetValue(name, out StreamEventRule? rule) ? rule : null;
    }

    /// <summary>The event's <c>type</c>, or null when its data is not a JSON object with a string <c>type</c>.</summary>
    private static string? ReadType(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            return null;
        }

        return null;
    }

    /// <summary>
    /// The event carries a response object that asked for structured output (<c>response.text.format.type</c>), read
    /// in one pass without a document; where a name repeats, the last one counts, as for a parsed document.
    /// </summary>
    private static bool IsStructuredResponse(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, ReaderOptions);
        try
        {
            return reader.Read() && IsStructuredAt(ref reader, StructuredPath.Length);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The names from the event's root to the format's type.</summary>
    private static readonly byte[][] StructuredPath = ["response"u8.ToArray(), "text"u8.ToArray(), "format"u8.ToArray(), "type"u8.ToArray()];

    /// <summary>
    /// The value the reader is on, <paramref name="remaining"/> names before the format's type: true when it leads to
    /// <c>json_schema</c> or <c>json_object</c>. Reads the whole value, so the reader ends on its last token.
    /// </summary>
    private static bool IsStructuredAt(ref Utf8JsonReader reader, int remaining)
    {
        if (remaining == 0)
        {
            bool structured = reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("json_schema"u8) || reader.ValueTextEquals("json_object"u8));
            reader.Skip();
            return structured;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        bool result = false;
        byte[] name = StructuredPath[^remaining];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool named = reader.ValueTextEquals(name);
            reader.Read();
            if (named)
            {
                result = IsStructuredAt(ref reader, remaining - 1);
            }
            else
            {
                reader.Skip();
            }
        }

        return result;
    }

    /// <summary>A delta of the run: where its raw bytes are (its data right after them), its literal in its data, the characters it brought.</summary>
    private readonly record struct RunItem(int RawStart, int RawLength, int DataLength, int LiteralStart, int LiteralLength, int TextLength);

    /// <summary>
    /// One slot of the response: its streaming marker, its marked text so far (whole once closed), its last delta event
    /// kept whole (for the held delta and for a copy with the held-back end), and its text escaped once for the repeats.
    /// </summary>
    private sealed class SlotState
    {
        private readonly PooledBufferWriter<byte> _lastDeltaRaw = new(256);
        private readonly PooledBufferWriter<byte> _lastDeltaData = new(256);
        private readonly PooledBufferWriter<char> _lastDeltaText = new(64);
        private PooledBufferWriter<byte>? _literal;

        public StreamingTextMarker? Stream { get; set; }

        /// <summary>The marked text sent so far; once <see cref="Closed"/>, the slot's whole marked text.</summary>
        public PooledBufferWriter<char> Text { get; } = new(1024);

        public bool Closed { get; set; }

        /// <summary>The last delta event's bytes as they came.</summary>
        public ReadOnlySpan<byte> LastDeltaRaw => _lastDeltaRaw.WrittenSpan;

        /// <summary>The last delta event's data.</summary>
        public ReadOnlySpan<byte> LastDeltaData => _lastDeltaData.WrittenSpan;

        /// <summary>The text the last delta brought.</summary>
        public ReadOnlySpan<char> LastDeltaText => _lastDeltaText.WrittenSpan;

        /// <summary>Where the last delta's literal is in its data.</summary>
        public int LastDeltaStart { get; private set; }

        public int LastDeltaLength { get; private set; }

        public void KeepLastDelta(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> data, int start, int length, ReadOnlySpan<char> text)
        {
            _lastDeltaRaw.ResetWrittenCount();
            _lastDeltaRaw.Write(raw);
            _lastDeltaData.ResetWrittenCount();
            _lastDeltaData.Write(data);
            _lastDeltaText.ResetWrittenCount();
            _lastDeltaText.Write(text);
            LastDeltaStart = start;
            LastDeltaLength = length;
        }

        /// <summary>The closed slot's whole text as a JSON string literal, escaped on first use.</summary>
        public ReadOnlySpan<byte> Literal()
        {
            if (_literal is null)
            {
                _literal = new PooledBufferWriter<byte>(Text.WrittenCount + 16);
                JsonStringSplice.WriteString(_literal, Text.WrittenSpan);
            }

            return _literal.WrittenSpan;
        }

        public void Release()
        {
            _lastDeltaRaw.Release();
            _lastDeltaData.Release();
            _lastDeltaText.Release();
            Text.Release();
            _literal?.Release();
        }
    }
}
