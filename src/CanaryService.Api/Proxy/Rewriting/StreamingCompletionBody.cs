using CanaryService.Api.Proxy.ServerSentEvents;

namespace CanaryService.Api.Proxy.Rewriting;

/// <summary>
/// The body of a streamed (SSE) chat completion: parses events as bytes arrive, marks them and sends and flushes
/// every event completed by a read at once, so nothing waits for a later read.
/// </summary>
internal sealed class StreamingCompletionBody : RewritingResponseBody
{
    private readonly ServerSentEventParser _parser = new();
    private readonly ChatCompletionStreamRewriter _rewriter;

    public StreamingCompletionBody(Stream inner, IResponseMarking marking)
        : base(inner) => _rewriter = new ChatCompletionStreamRewriter(marking);

    public override int MarkedChoices => _rewriter.MarkedChoices;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _parser.Feed(buffer.Span, _rewriter);
        await SendAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        _parser.Finish(_rewriter);
        _rewriter.Complete();
        await SendAsync(cancellationToken).ConfigureAwait(false);

        // The answer is complete; a stream that broke off earlier leaves its buffers to the GC instead.
        _rewriter.Release();
    }

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        if (_rewriter.Output.WrittenCount == 0)
        {
            return;
        }

        await Inner.WriteAsync(_rewriter.Output.WrittenMemory, cancellationToken).ConfigureAwait(false);
        _rewriter.Output.ResetWrittenCount();
        await Inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
