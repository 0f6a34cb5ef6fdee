using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using CanaryService.Application.Proxy.ServerSentEvents;
using CanaryService.Core.Marking;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Marks a streamed chat completion event by event: each choice's <c>delta.content</c> goes through its own
/// streaming marker, and its reasoning trace (<c>delta.reasoning_content</c>, <c>delta.reasoning</c>) through another,
/// without the phrase canary; events without text (role, tool calls, refusals, usage, comments) pass unchanged; the
/// text a choice's marker holds back comes out in a chunk of its own just before that choice's
/// <c>finish_reason</c> chunk (or before <c>[DONE]</c> / the end of the stream), and held-back reasoning just before
/// the choice's answer starts. Legacy completions (<c>choices[].text</c>) stream through the same rewriter with
/// their own <see cref="ChoiceLayout"/>.
/// </summary>
/// <remarks>
/// Written events go to <see cref="Output"/>; the caller sends and flushes them after each read, then calls
/// <see cref="OutputSent"/>. The usual content deltas of one read are marked together (see <see cref="TryAddToBatch"/>):
/// they leave in the same write anyway, so text may move between them without reaching the client any later, and the
/// marker is called once per read instead of once per event.
/// </remarks>
internal sealed class ChatCompletionStreamRewriter : IStreamRewriter
{
    // What a read's batch buffers start at: the content of a read of about 30 deltas, so most reads never grow them.
    private const int BatchCapacity = 1024;

    private readonly ResponseMarking _marking;
    private readonly ChoiceLayout _layout;
    private readonly List<ChoiceState> _states = []; // by first appearance; usually one choice
    private readonly List<ChoiceContent> _choices = [];
    private readonly List<Range> _envelopeRanges = [];
    private PooledBufferWriter<byte>? _json; // the new data of an event that is not written straight out
    private byte[] _lastEnvelope = []; // pooled: only the first _lastEnvelopeLength bytes are the envelope
    private int _lastEnvelopeLength;
    // The last fully scanned chunk's bytes before and after its content, framed as the batch writes its events:
    // "data: ", the prefix, the suffix, "\n\n" (so a delta's event is three writes: head, content, tail).
    private byte[] _shape = [];
    private int _shapePrefixLength;
    private int _shapeSuffixLength;
    private ChoiceContent? _shapeChoice;
    private char[] _contentChars = [];
    private char[] _batch = []; // the unescaped content of the read's usual deltas so far, one after the other (pooled)
    private byte[] _batchLiterals = []; // their content literals as they came, one after the other (pooled)
    private (int Characters, int LiteralBytes)[] _batchLengths = []; // per delta: what it brought to the two above
    private int _batchCount;
    private int _batchLength;
    private int _batchLiteralsLength;

    public ChatCompletionStreamRewriter(ResponseMarking marking)
        : this(marking, ChoiceLayout.ChatDelta)
    {
    }

    public ChatCompletionStreamRewriter(ResponseMarking marking, ChoiceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(marking);
        ArgumentNullException.ThrowIfNull(layout);
        _marking = marking;
        _layout = layout;
    }

    /// <summary>The events ready to send; the caller empties it.</summary>
    public PooledBufferWriter<byte> Output { get; } = new(4096);

    /// <summary>How many choices had text that went through the marker.</summary>
    public int MarkedChoices { get; private set; }

    private PooledBufferWriter<byte> Json => _json ??= new PooledBufferWriter<byte>(512);

    /// <inheritdoc />
    public void OnEvent(in ServerSentEvent serverSentEvent)
    {
        if (TryAddToBatch(serverSentEvent))
        {
            return;
        }

        // Anything else is written in order, after the deltas batched before it.
        WriteBatch();
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
            if (!ChoiceScan.TryScan(data, _layout, _choices, _envelopeRanges))
            {
                Output.Write(serverSentEvent.Raw);
                return;
            }

            RememberEnvelope(data);
            RememberShape(data);
            if (HasReasoning(_choices))
            {
                RewriteWithReasoning(serverSentEvent);
                return;
            }
        }

        int copied = 0;
        foreach (ChoiceContent choice in _choices)
        {
            ChoiceState state = StateOf(choice.Index);
            if (state.HasOpenReasoning && StartsAnswer(choice))
            {
                WriteReasoningTails(state);
            }

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

    /// <summary>
    /// A chunk with reasoning text (rare beside the usual content deltas, so strings are fine here): every text string
    /// of every choice is marked and the replacements are spliced in byte order. The reasoning a choice's marker holds
    /// back goes into the same string when the chunk also starts the answer, so it still comes first.
    /// </summary>
    private void RewriteWithReasoning(in ServerSentEvent serverSentEvent)
    {
        ReadOnlySpan<byte> data = serverSentEvent.Data;
        var replacements = new List<(int Start, int Length, string Text, string Original)>();
        foreach (ChoiceContent choice in _choices)
        {
            ChoiceState state = StateOf(choice.Index);
            bool answerStarts = StartsAnswer(choice);
            if (choice.ReasoningContent is { Text: { } reasoningContent } first)
            {
                replacements.Add((first.Start, first.Length, MarkReasoning(state.ReasoningContent, choice.Index, reasoningContent, answerStarts), reasoningContent));
            }

            if (choice.Reasoning is { Text: { } reasoning } second)
            {
                replacements.Add((second.Start, second.Length, MarkReasoning(state.Reasoning, choice.Index, reasoning, answerStarts), reasoning));
            }

            if (answerStarts)
            {
                WriteReasoningTails(state);
            }

            if (choice.Content is not null)
            {
                replacements.Add((choice.ContentStart, choice.ContentLength, Transform(state, choice).ToString(), choice.Content));
            }
            else if (choice.Finished || choice.CarriesStructure)
            {
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

        replacements.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        Json.ResetWrittenCount();
        int copied = 0;
        foreach ((int start, int length, string text, string original) in replacements)
        {
            if (string.Equals(text, original, StringComparison.Ordinal))
            {
                continue;
            }

            Json.Write(data[copied..start]);
            JsonStringSplice.WriteString(Json, text);
            copied = start + length;
        }

        if (copied == 0)
        {
            Output.Write(serverSentEvent.Raw);
            return;
        }

        Json.Write(data[copied..]);
        WriteEvent(serverSentEvent.Raw, Json.WrittenSpan);
    }

    /// <summary>Marks a reasoning delta; when the same chunk starts the answer, the reasoning's held-back text joins it.</summary>
    private string MarkReasoning(ReasoningState reasoning, int index, string delta, bool answerStarts)
    {
        CountChoice(StateOf(index), delta.Length);
        reasoning.Stream ??= _marking.CreateStream(Core.Marking.ResponseMarking.WithoutCanary);
        string marked = reasoning.Stream.Append(delta);
        return answerStarts ? marked + reasoning.Close() : marked;
    }

    /// <summary>The chunk makes the answer go on (text), end or turn into structure: reasoning held back must go out before it.</summary>
    private static bool StartsAnswer(in ChoiceContent choice) =>
        choice.Content is { Length: > 0 } || choice.Finished || choice.CarriesStructure;

    private static bool HasReasoning(List<ChoiceContent> choices)
    {
        foreach (ChoiceContent choice in choices)
        {
            if (choice.HasReasoning)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes what the choice's reasoning markers hold back, each in a chunk of its own, and ends them.</summary>
    private void WriteReasoningTails(ChoiceState state)
    {
        string tail = state.ReasoningContent.Close();
        if (tail.Length > 0)
        {
            WriteSyntheticChunk(state.Index, tail, "reasoning_content"u8);
        }

        tail = state.Reasoning.Close();
        if (tail.Length > 0)
        {
            WriteSyntheticChunk(state.Index, tail, "reasoning"u8);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The buffers a read fills and empties go back to the pool here, and <see cref="Output"/>'s once it is sent
    /// (<see cref="OutputSent"/>): a Host serving many answers at once then cycles each thread's few buffers, which stay in
    /// its core's caches, instead of holding a set per answer between its reads (64 connections' sets left the caches, and
    /// emptied the pool, before each answer's next read came).
    /// </remarks>
    public void OnReadEnd()
    {
        WriteBatch();
        foreach (ChoiceState state in _states)
        {
            state.Stream?.ReleaseBuffers();
            state.ReasoningContent.Stream?.ReleaseBuffers();
            state.Reasoning.Stream?.ReleaseBuffers();
        }

        ReturnReadBuffers();
    }

    /// <summary>The caller has sent <see cref="Output"/>: empties it and gives its memory back until the next read.</summary>
    public void OutputSent() => Output.Release();

    /// <summary>At the end of the stream: sends the text still held back by choices that never finished.</summary>
    public void Complete()
    {
        WriteBatch();
        WriteHeldBackText();
    }

    /// <summary>
    /// Gives the rewriter's buffers back to the pool once its output has been sent; the rewriter is not used after
    /// this. (A stream that broke off leaves them to the GC instead.)
    /// </summary>
    public void Release()
    {
        ReturnReadBuffers();
        PooledArray.Return(ref _shape);
        PooledArray.Return(ref _batchLengths);
        PooledArray.Return(ref _lastEnvelope);
        Output.Release();
    }

    /// <summary>The buffers that live only within one read: empty between reads, so they go back to the pool then.</summary>
    private void ReturnReadBuffers()
    {
        PooledArray.Return(ref _batch);
        PooledArray.Return(ref _batchLiterals);
        PooledArray.Return(ref _contentChars);
        _json?.Release();
    }

    private ReadOnlySpan<char> Transform(ChoiceState state, in ChoiceContent choice)
    {
        string content = choice.Content!;
        if (choice.CarriesStructure || state.Closed)
        {
            return state.Close() + content;
        }

        StreamingTextMarker stream = StreamOf(state, choice.Index, content.Length);

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
            || !TryReadContent(literal, out int length))
        {
            return false;
        }

        _choices.Clear();
        _choices.Add(last with { ContentLength = literal.Length, Content = new string(_contentChars, 0, length) });
        return true;
    }

    /// <summary>
    /// The usual content delta: framed <c>data: {json}\n\n</c>, shaped like the last chunk, its choice still open, no
    /// finish reason, no tool calls. Its content is unescaped onto the read's batch and nothing is written yet;
    /// <see cref="WriteBatch"/> marks the batch in one call and writes each delta's event. False: not such a delta.
    /// </summary>
    private bool TryAddToBatch(in ServerSentEvent serverSentEvent) =>
        IsSingleDataLine(serverSentEvent) && TryMatchOpenChoice(serverSentEvent.Data, out ReadOnlySpan<byte> literal) && AddToBatch(literal);

    /// <inheritdoc />
    /// <remarks>
    /// Takes the run of usual content deltas the read goes on with: each exactly <see cref="ShapeEventHead"/>, one JSON
    /// string, <see cref="ShapeEventTail"/>, which is what <see cref="TryAddToBatch"/> accepts (neither the shape nor a
    /// JSON string holds a line end, so the parser would have found this same event). It stops at anything else, an
    /// event cut off by the end of the read included, and leaves that to the parser.
    /// </remarks>
    public int TakeEvents(ReadOnlySpan<byte> bytes)
    {
        if (!IsBatchOpen)
        {
            return 0;
        }

        ReadOnlySpan<byte> head = ShapeEventHead;
        ReadOnlySpan<byte> tail = ShapeEventTail;
        int taken = 0;
        while (true)
        {
            ReadOnlySpan<byte> rest = bytes[taken..];
            if (!rest.StartsWith(head))
            {
                return taken;
            }

            ReadOnlySpan<byte> token = rest[head.Length..];
            int literalLength = ChoiceScan.VerbatimStringTokenLength(token);
            bool verbatim = literalLength >= 0;
            if (!verbatim)
            {
                literalLength = ChoiceScan.StringTokenLength(token);
            }

            if (literalLength < 0 || !token[literalLength..].StartsWith(tail) || !AddToBatch(token[..literalLength], verbatim))
            {
                return taken;
            }

            taken += head.Length + literalLength + tail.Length;
        }
    }

    /// <summary>
    /// Unescapes a usual delta's content literal onto the read's batch; false (nothing added) when it cannot be decoded.
    /// <paramref name="verbatim"/>: the literal is known to be ASCII without escapes (<see cref="ChoiceScan.VerbatimStringTokenLength"/>), so its text is its bytes.
    /// </summary>
    private bool AddToBatch(ReadOnlySpan<byte> literal, bool verbatim = false)
    {
        // One UTF-8 byte never gives more than one UTF-16 character, and escapes only shrink.
        if (_batch.Length - _batchLength < literal.Length)
        {
            PooledArray.Grow(ref _batch, _batchLength, _batchLength + literal.Length, minimum: BatchCapacity);
        }

        int length;
        if (verbatim)
        {
            Ascii.ToUtf16(literal[1..^1], _batch.AsSpan(_batchLength), out length);
        }
        else if (!ChoiceScan.TryReadString(literal, _batch.AsSpan(_batchLength), out length))
        {
            return false;
        }

        // The literal is kept so that a delta whose text comes out unchanged keeps its bytes (its escapes) too.
        if (_batchLiterals.Length - _batchLiteralsLength < literal.Length)
        {
            PooledArray.Grow(ref _batchLiterals, _batchLiteralsLength, _batchLiteralsLength + literal.Length, minimum: BatchCapacity);
        }

        literal.CopyTo(_batchLiterals.AsSpan(_batchLiteralsLength));
        _batchLiteralsLength += literal.Length;
        if (_batchCount == _batchLengths.Length)
        {
            PooledArray.Grow(ref _batchLengths, _batchCount, _batchCount + 1, minimum: 64);
        }

        _batchLengths[_batchCount++] = (length, literal.Length);
        _batchLength += length;
        return true;
    }

    /// <summary>
    /// Marks the batched deltas' text in one call and writes one event per delta, in the batch's shape. Each event
    /// gets as many of the marked characters as its delta brought, the last one the rest: text the marker holds back
    /// or a word it lengthens moves between them, and a surrogate pair is never split.
    /// </summary>
    private void WriteBatch()
    {
        if (_batchCount == 0)
        {
            return;
        }

        // The shape cannot have changed since the first delta of the batch: any other event writes the batch first.
        int index = _shapeChoice!.Value.Index;
        ReadOnlySpan<char> marked = StreamOf(StateOf(index), index, _batchLength).AppendSpan(_batch.AsSpan(0, _batchLength));
        ReadOnlySpan<byte> head = ShapeEventHead;
        ReadOnlySpan<byte> tail = ShapeEventTail;
        int start = 0;
        int delivered = 0;
        int literalStart = 0;
        for (int i = 0; i < _batchCount; i++)
        {
            (int length, int literalLength) = _batchLengths[i];
            int end = i == _batchCount - 1 ? marked.Length : Math.Clamp(delivered + length, start, marked.Length);
            if (end > start && end < marked.Length && char.IsHighSurrogate(marked[end - 1]))
            {
                end++;
            }

            Output.Write(head);
            ReadOnlySpan<char> text = marked[start..end];
            if (text.SequenceEqual(_batch.AsSpan(delivered, length)))
            {
                Output.Write(_batchLiterals.AsSpan(literalStart, literalLength));
            }
            else
            {
                JsonStringSplice.WriteString(Output, text);
            }

            Output.Write(tail);
            start = end;
            delivered += length;
            literalStart += literalLength;
        }

        _batchCount = 0;
        _batchLength = 0;
        _batchLiteralsLength = 0;
    }

    /// <summary>Unescapes a content literal into the reused content buffer.</summary>
    private bool TryReadContent(ReadOnlySpan<byte> literal, out int length)
    {
        // One UTF-8 byte never gives more than one UTF-16 character, and escapes only shrink.
        if (_contentChars.Length < literal.Length)
        {
            PooledArray.Grow(ref _contentChars, 0, literal.Length);
        }

        return ChoiceScan.TryReadString(literal, _contentChars, out length);
    }

    /// <summary>True when <paramref name="data"/> is the usual delta of the last chunk's choice, still open; gives its content literal.</summary>
    private bool TryMatchOpenChoice(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> literal)
    {
        literal = default;
        return IsBatchOpen && MatchesShape(data, out literal);
    }

    /// <summary>True when the last chunk's shape is that of a usual delta and its choice is still open.</summary>
    private bool IsBatchOpen =>
        _shapeChoice is { CarriesStructure: false, Finished: false } last && FindState(last.Index) is not { Closed: true };

    /// <summary>
    /// The usual content delta in another framing (several data lines, CR line ends, extra fields): rewritten as
    /// <see cref="OnEvent"/> would, without a string for the content or for the marked text. False: the general path
    /// handles it.
    /// </summary>
    private bool TryRewriteLikeLast(in ServerSentEvent serverSentEvent)
    {
        ReadOnlySpan<byte> data = serverSentEvent.Data;
        if (!TryMatchOpenChoice(data, out ReadOnlySpan<byte> literal)
            || !TryReadContent(literal, out int length))
        {
            return false;
        }

        int index = _shapeChoice!.Value.Index;
        ReadOnlySpan<char> content = _contentChars.AsSpan(0, length);
        ReadOnlySpan<char> marked = StreamOf(StateOf(index), index, length).AppendSpan(content);
        if (marked.SequenceEqual(content))
        {
            Output.Write(serverSentEvent.Raw);
            return true;
        }

        Json.ResetWrittenCount();
        Json.Write(data[.._shapePrefixLength]);
        JsonStringSplice.WriteString(Json, marked);
        Json.Write(data[^_shapeSuffixLength..]);
        WriteEvent(serverSentEvent.Raw, Json.WrittenSpan);
        return true;
    }

    /// <summary>True when the event is exactly <c>data: </c>, its data and a blank line, as WriteEvent would write it.</summary>
    private static bool IsSingleDataLine(in ServerSentEvent serverSentEvent)
    {
        ReadOnlySpan<byte> raw = serverSentEvent.Raw;
        ReadOnlySpan<byte> data = serverSentEvent.Data;
        // One data line is always a slice of the event itself: where it starts says what a comparison would.
        return serverSentEvent.DataLines == 1 && raw.Length == DataField.Length + data.Length + EventEnd.Length
            && raw.StartsWith(DataField) && raw.EndsWith(EventEnd)
            && Unsafe.AreSame(ref MemoryMarshal.GetReference(raw[DataField.Length..]), ref MemoryMarshal.GetReference(data));
    }

    private bool MatchesShape(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> literal)
    {
        literal = default;
        if (data.Length < _shapePrefixLength + _shapeSuffixLength + 2
            || !data.StartsWith(ShapePrefix)
            || !data.EndsWith(ShapeSuffix))
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

        // A chunk with reasoning beside its content is no shape: a later chunk with the same reasoning bytes would
        // match it and pass its reasoning on unmarked.
        if (_choices.Count != 1 || _choices[0].Content is null || _choices[0].HasReasoning)
        {
            return;
        }

        ChoiceContent choice = _choices[0];
        ReadOnlySpan<byte> prefix = data[..choice.ContentStart];
        ReadOnlySpan<byte> suffix = data[(choice.ContentStart + choice.ContentLength)..];
        int length = DataField.Length + prefix.Length + suffix.Length + EventEnd.Length;
        if (_shape.Length < length)
        {
            PooledArray.Grow(ref _shape, 0, length);
        }

        Span<byte> shape = _shape;
        DataField.CopyTo(shape);
        prefix.CopyTo(shape[DataField.Length..]);
        suffix.CopyTo(shape[(DataField.Length + prefix.Length)..]);
        EventEnd.CopyTo(shape[(DataField.Length + prefix.Length + suffix.Length)..]);
        _shapePrefixLength = prefix.Length;
        _shapeSuffixLength = suffix.Length;
        _shapeChoice = choice;
    }

    private static ReadOnlySpan<byte> DataField => "data: "u8;

    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;

    private ReadOnlySpan<byte> ShapePrefix => _shape.AsSpan(DataField.Length, _shapePrefixLength);

    private ReadOnlySpan<byte> ShapeSuffix => _shape.AsSpan(DataField.Length + _shapePrefixLength, _shapeSuffixLength);

    /// <summary>A batched delta's event up to its content: <c>data: </c> and the shape's prefix.</summary>
    private ReadOnlySpan<byte> ShapeEventHead => _shape.AsSpan(0, DataField.Length + _shapePrefixLength);

    /// <summary>A batched delta's event after its content: the shape's suffix and the blank line.</summary>
    private ReadOnlySpan<byte> ShapeEventTail => _shape.AsSpan(DataField.Length + _shapePrefixLength, _shapeSuffixLength + EventEnd.Length);

    /// <summary>The choice's marker, created on its first content; a choice counts as marked once it had text.</summary>
    private StreamingTextMarker StreamOf(ChoiceState state, int index, int contentLength)
    {
        StreamingTextMarker stream = state.Stream ??= _marking.CreateStream(index);
        CountChoice(state, contentLength);
        return stream;
    }

    /// <summary>A choice counts as marked once any of its text (answer or reasoning) went through a marker.</summary>
    private void CountChoice(ChoiceState state, int textLength)
    {
        if (!state.Counted && textLength > 0)
        {
            state.Counted = true;
            MarkedChoices++;
        }
    }

    private ChoiceState StateOf(int index)
    {
        ChoiceState? state = FindState(index);
        if (state is null)
        {
            state = new ChoiceState(index);
            _states.Add(state);
        }

        return state;
    }

    private ChoiceState? FindState(int index)
    {
        foreach (ChoiceState state in _states)
        {
            if (state.Index == index)
            {
                return state;
            }
        }

        return null;
    }

    private void WriteHeldBackText()
    {
        foreach (ChoiceState state in _states)
        {
            WriteReasoningTails(state);
            string tail = state.Close();
            if (tail.Length > 0)
            {
                WriteSyntheticChunk(state.Index, tail);
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

        if (_lastEnvelope.Length < length)
        {
            PooledArray.Grow(ref _lastEnvelope, 0, length);
        }

        _lastEnvelopeLength = length;
        Span<byte> target = _lastEnvelope;
        foreach (Range range in _envelopeRanges)
        {
            ReadOnlySpan<byte> property = data[range];
            property.CopyTo(target);
            target[property.Length] = (byte)',';
            target = target[(property.Length + 1)..];
        }
    }

    /// <summary>
    /// A chunk carrying only <paramref name="text"/> for one choice, in the envelope (id, model, ...) of the last chunk:
    /// in <c>delta.content</c> (or the reasoning field <paramref name="field"/> names) for chat, in <c>text</c> for a legacy completion.
    /// </summary>
    private void WriteSyntheticChunk(int index, string text, ReadOnlySpan<byte> field = default)
    {
        Output.Write("data: {"u8);
        Output.Write(_lastEnvelope.AsSpan(0, _lastEnvelopeLength));
        Span<byte> digits = stackalloc byte[11];
        System.Buffers.Text.Utf8Formatter.TryFormat(index, digits, out int written);
        if (!_layout.HasMessage)
        {
            Output.Write("\"choices\":[{\"text\":"u8);
            JsonStringSplice.WriteString(Output, text);
            Output.Write(",\"index\":"u8);
            Output.Write(digits[..written]);
            Output.Write(",\"logprobs\":null,\"finish_reason\":null}]}\n\n"u8);
            return;
        }

        Output.Write("\"choices\":[{\"index\":"u8);
        Output.Write(digits[..written]);
        Output.Write(",\"delta\":{\""u8);
        Output.Write(field.IsEmpty ? "content"u8 : field);
        Output.Write("\":"u8);
        JsonStringSplice.WriteString(Output, text);
        Output.Write("},\"finish_reason\":null}]}\n\n"u8);
    }

    /// <summary>Writes the event with new data: its other lines as they were, the data as one <c>data:</c> line per JSON line.</summary>
    private void WriteEvent(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> data) => ServerSentEventWriter.WriteEvent(Output, raw, data);

    private sealed class ChoiceState(int index)
    {
        public int Index { get; } = index;

        /// <summary>The choice's <c>reasoning_content</c> trace.</summary>
        public ReasoningState ReasoningContent { get; } = new();

        /// <summary>The choice's <c>reasoning</c> trace.</summary>
        public ReasoningState Reasoning { get; } = new();

        public bool HasOpenReasoning => ReasoningContent.IsOpen || Reasoning.IsOpen;

        public StreamingTextMarker? Stream { get; set; }

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

    /// <summary>
    /// One reasoning field of a choice: its marker (without the canary) until the answer starts. Reasoning that comes
    /// after that (a server that interleaves them) starts a new marker rather than pass unmarked.
    /// </summary>
    private sealed class ReasoningState
    {
        public StreamingTextMarker? Stream { get; set; }

        public bool IsOpen => Stream is not null;

        /// <summary>Ends the current marker; returns the text it still held.</summary>
        public string Close()
        {
            string tail = Stream?.Complete() ?? "";
            Stream = null;
            return tail;
        }
    }
}
