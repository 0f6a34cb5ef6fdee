using System.Buffers;
using System.Text;
using System.Text.Json;
using CanaryService.Api.Proxy.ServerSentEvents;

namespace CanaryService.Api.Proxy.Rewriting;

/// <summary>
/// Marks a stream of typed events (the Responses API) as its <see cref="StreamEventRule"/>s describe: each delta goes
/// through its slot's streaming marker, and every event that repeats a slot's text carries exactly the concatenation
/// of the marked deltas sent for it. Events the rules do not name, and every byte outside the texts, pass as they came.
/// </summary>
/// <remarks>
/// A slot's marker holds back its partial last word until the slot closes, and typed events are numbered
/// (<c>sequence_number</c>), so no event can be added for that word: the last delta event of a slot is held until
/// the next event arrives, and when that event closes the slot the held delta leaves carrying the held-back text too.
/// Text so reaches the caller one event later than it would unmarked. Events that come between a delta and the
/// event that closes its slot (an annotation) wait behind the held delta, up to <see cref="MaxQueuedEvents"/>; past
/// that, or when another slot's delta interrupts, the held-back text leaves in a copy of the slot's last delta event.
/// </remarks>
internal sealed class ResponseStreamRewriter : IStreamRewriter
{
    /// <summary>How many events may wait behind a held delta before it leaves without the slot's end.</summary>
    internal const int MaxQueuedEvents = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    private readonly IResponseMarking _marking;
    private readonly IReadOnlyDictionary<string, StreamEventRule> _rules;
    private readonly Dictionary<StreamEventRule, JsonTextFinder> _finders = [];
    private readonly List<FoundText> _found = [];
    private readonly Dictionary<TextSlot, SlotState> _slots = [];
    private readonly SlotIndices _indices = new();
    private readonly List<byte[]> _queued = [];
    private HeldDelta? _held;
    private bool _passThrough;

    public ResponseStreamRewriter(IResponseMarking marking, IReadOnlyDictionary<string, StreamEventRule> rules)
    {
        ArgumentNullException.ThrowIfNull(marking);
        ArgumentNullException.ThrowIfNull(rules);
        _marking = marking;
        _rules = rules;
    }

    /// <inheritdoc />
    public PooledBufferWriter<byte> Output { get; } = new(4096);

    /// <inheritdoc />
    /// <remarks>1 once any text of the response went through the marker: a response counts as one marked answer.</remarks>
    public int MarkedChoices { get; private set; }

    /// <inheritdoc />
    public void OnEvent(in ServerSentEvent serverSentEvent)
    {
        ReadOnlySpan<byte> data = serverSentEvent.Data;
        if (_passThrough)
        {
            Output.Write(serverSentEvent.Raw);
            return;
        }

        if (serverSentEvent.DataLines == 0 || ReadType(data) is not { } type || !_rules.TryGetValue(type, out StreamEventRule? rule))
        {
            PassOn(serverSentEvent.Raw);
            return;
        }

        if (rule.CarriesResponse && IsStructuredResponse(data))
        {
            // Structured output (a fetched stream of one): its text is JSON for a program, never marked.
            Release(tail: "");
            _passThrough = true;
            Output.Write(serverSentEvent.Raw);
            return;
        }

        JsonTextFinder finder = FinderOf(rule);
        if (!finder.TryFind(data, _found))
        {
            PassOn(serverSentEvent.Raw);
            return;
        }

        if (rule.IsDelta)
        {
            OnDelta(serverSentEvent, rule, finder);
        }
        else
        {
            OnRepeat(serverSentEvent, rule, finder);
        }
    }

    /// <inheritdoc />
    public void OutputSent() => Output.Release();

    /// <inheritdoc />
    /// <remarks>The stream ended (with or without the events that close its slots): every slot still open closes now.</remarks>
    public void Complete()
    {
        if (_held is { } held)
        {
            SlotState state = _slots[held.Slot];
            string tail = state.Stream!.Complete();
            state.Final = state.Emitted.Append(tail).ToString();
            Release(tail);
        }

        foreach (SlotState state in _slots.Values)
        {
            if (state.Final is null && state.Stream is { } stream)
            {
                string tail = stream.Complete();
                state.Final = state.Emitted.Append(tail).ToString();
                WriteCopy(state.Template!, tail);
            }
        }

        Release(tail: "");
    }

    /// <inheritdoc />
    public void Release() => Output.Release();

    private void OnDelta(in ServerSentEvent serverSentEvent, StreamEventRule rule, JsonTextFinder finder)
    {
        TextRule textRule = rule.Texts[0];
        if (_found.Count != 1 || textRule.SlotOf(_found[0], finder.RootIntegers) is not { } slot
            || Decode(serverSentEvent.Data, _found[0]) is not { } delta)
        {
            PassOn(serverSentEvent.Raw);
            return;
        }

        SlotState state = StateOf(slot);
        if (state.Final is not null)
        {
            PassOn(serverSentEvent.Raw); // a delta after its slot closed: passed on as it came rather than reordered
            return;
        }

        // Whatever is held leaves now, as decided so far: this slot goes on, or another one interrupts it.
        Release(tail: "");
        state.Stream ??= _marking.CreateStream(_indices.Of(slot, textRule.Role));
        string decided = state.Stream.Append(delta);
        state.Emitted.Append(decided);
        if (delta.Length > 0)
        {
            MarkedChoices = 1;
        }

        var template = new EventCopy(serverSentEvent.Raw.ToArray(), serverSentEvent.Data.ToArray(), _found[0].Start, _found[0].Length, delta);
        state.Template = template;
        _held = new HeldDelta(slot, template, decided);
    }

    private void OnRepeat(in ServerSentEvent serverSentEvent, StreamEventRule rule, JsonTextFinder finder)
    {
        ReadOnlySpan<byte> data = serverSentEvent.Data;
        var replacements = new List<(int Start, int Length, string Text)>();
        foreach (FoundText found in _found)
        {
            TextRule textRule = rule.Texts[found.PathIndex];
            if (textRule.SlotOf(found, finder.RootIntegers) is not { } slot || Decode(data, found) is not { } original)
            {
                continue;
            }

            string final = Close(slot, textRule.Role, original);
            if (!string.Equals(final, original, StringComparison.Ordinal))
            {
                replacements.Add((found.Start, found.Length, final));
            }
        }

        // Anything still held (another slot's delta) came before this event.
        Release(tail: "");
        if (replacements.Count == 0)
        {
            Output.Write(serverSentEvent.Raw);
            return;
        }

        var rewritten = new ArrayBufferWriter<byte>(data.Length + 256);
        int copied = 0;
        foreach ((int start, int length, string text) in replacements)
        {
            rewritten.Write(data[copied..start]);
            JsonStringSplice.WriteString(rewritten, text);
            copied = start + length;
        }

        rewritten.Write(data[copied..]);
        ServerSentEventWriter.WriteEvent(Output, serverSentEvent.Raw, rewritten.WrittenSpan);
    }

    /// <summary>Closes a slot (once) and returns its whole marked text: its deltas' marked concatenation, or, never streamed, the marked whole.</summary>
    private string Close(TextSlot slot, TextRole role, string original)
    {
        SlotState state = StateOf(slot);
        if (state.Final is { } final)
        {
            return final;
        }

        if (state.Stream is { } stream)
        {
            string tail = stream.Complete();
            state.Final = state.Emitted.Append(tail).ToString();
            if (_held is { } held && held.Slot == slot)
            {
                Release(tail);
            }
            else if (tail.Length > 0)
            {
                Release(tail: "");
                WriteCopy(state.Template!, tail);
            }

            return state.Final;
        }

        if (original.Length > 0)
        {
            MarkedChoices = 1;
        }

        state.Final = _marking.MarkText(original, _indices.Of(slot, role));
        return state.Final;
    }

    /// <summary>An event no rule marks: it waits behind a held delta (so the order holds), or leaves now.</summary>
    private void PassOn(ReadOnlySpan<byte> raw)
    {
        if (_held is not null && _queued.Count < MaxQueuedEvents)
        {
            _queued.Add(raw.ToArray());
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
        EventCopy copy = held.Event;
        string text = held.Decided + tail;
        if (string.Equals(text, copy.Text, StringComparison.Ordinal))
        {
            Output.Write(copy.Raw);
        }
        else
        {
            WriteWithText(copy, text);
        }

        foreach (byte[] queued in _queued)
        {
            Output.Write(queued);
        }

        _queued.Clear();
    }

    /// <summary>The held-back end of a slot whose last delta already left: in a copy of that delta event (the rare case).</summary>
    private void WriteCopy(EventCopy template, string tail)
    {
        if (tail.Length > 0)
        {
            WriteWithText(template, tail);
        }
    }

    private void WriteWithText(EventCopy copy, string text)
    {
        var rewritten = new ArrayBufferWriter<byte>(copy.Data.Length + (text.Length * 3) + 16);
        rewritten.Write(copy.Data.AsSpan(0, copy.Start));
        JsonStringSplice.WriteString(rewritten, text);
        rewritten.Write(copy.Data.AsSpan(copy.Start + copy.Length));
        ServerSentEventWriter.WriteEvent(Output, copy.Raw, rewritten.WrittenSpan);
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

    private JsonTextFinder FinderOf(StreamEventRule rule)
    {
        if (!_finders.TryGetValue(rule, out JsonTextFinder? finder))
        {
            finder = new JsonTextFinder(rule.Paths);
            _finders[rule] = finder;
        }

        return finder;
    }

    private static string? Decode(ReadOnlySpan<byte> data, FoundText found)
    {
        char[] buffer = ArrayPool<char>.Shared.Rent(found.Length);
        try
        {
            return ChoiceScan.TryReadString(data.Slice(found.Start, found.Length), buffer, out int length)
                ? new string(buffer, 0, length)
                : null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
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

    /// <summary>The event carries a response object that asked for structured output.</summary>
    private static bool IsStructuredResponse(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, ReaderOptions);
        try
        {
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("response", out JsonElement response)
                && ResponseBodyRewriter.IsStructuredOutput(response);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A delta event kept whole: its raw bytes, its data, where its text's literal is, and the text it brought.</summary>
    private sealed record EventCopy(byte[] Raw, byte[] Data, int Start, int Length, string Text);

    /// <summary>The last delta event, not sent yet, and the marked text it will carry.</summary>
    private readonly record struct HeldDelta(TextSlot Slot, EventCopy Event, string Decided);

    /// <summary>One slot of the response: its streaming marker, what it has sent, and its whole marked text once closed.</summary>
    private sealed class SlotState
    {
        public IStreamingTextMarking? Stream { get; set; }

        public StringBuilder Emitted { get; } = new();

        public string? Final { get; set; }

        public EventCopy? Template { get; set; }
    }
}
