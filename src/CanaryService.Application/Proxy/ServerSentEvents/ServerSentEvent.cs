namespace CanaryService.Application.Proxy.ServerSentEvents;

/// <summary>One complete server-sent event as it arrived: its raw bytes and its joined <c>data</c> payload.</summary>
/// <remarks>The spans point into the parser's buffer and are valid only during the callback.</remarks>
internal readonly ref struct ServerSentEvent
{
    public ServerSentEvent(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> data, int dataLines)
    {
        Raw = raw;
        Data = data;
        DataLines = dataLines;
    }

    /// <summary>Every byte of the event, its terminating blank line included.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    /// <summary>The <c>data</c> field values joined with <c>\n</c> (empty when there were none).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>How many <c>data</c> lines the event had (0 for a comment-only block).</summary>
    public int DataLines { get; }
}

/// <summary>Receives the events a <see cref="ServerSentEventParser"/> completes.</summary>
internal interface IServerSentEventSink
{
    /// <summary>Handles one complete event.</summary>
    void OnEvent(in ServerSentEvent serverSentEvent);

    /// <summary>
    /// Offered the rest of a read at the first byte of an event: a sink may take the complete events there that it
    /// recognises without the parser finding their lines (they count as handed on, in order). Returns how many bytes
    /// of whole events it took; 0 leaves them all to the parser.
    /// </summary>
    int TakeEvents(ReadOnlySpan<byte> bytes) => 0;

    /// <summary>
    /// The events of one read have all been handed on (after every <see cref="ServerSentEventParser.Feed"/> and
    /// <see cref="ServerSentEventParser.Finish"/>): a sink that gathers events writes them now.
    /// </summary>
    void OnReadEnd()
    {
    }
}
