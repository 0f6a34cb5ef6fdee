using CanaryService.Application.Proxy.ServerSentEvents;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Marks one streamed answer as its events arrive: what it writes to <see cref="Output"/> the caller sends and flushes
/// after each read, then calls <see cref="OutputSent"/>.
/// </summary>
internal interface IStreamRewriter : IServerSentEventSink
{
    /// <summary>The events ready to send; the caller empties it.</summary>
    PooledBufferWriter<byte> Output { get; }

    /// <summary>How many choices (or, for a response, texts) went through the marker: 0 means nothing to record.</summary>
    int MarkedChoices { get; }

    /// <summary>The caller has sent <see cref="Output"/>.</summary>
    void OutputSent();

    /// <summary>The upstream's stream ended normally: writes what is still held back.</summary>
    void Complete();

    /// <summary>Gives buffers back once the output has been sent; the rewriter is not used after this.</summary>
    void Release();
}
