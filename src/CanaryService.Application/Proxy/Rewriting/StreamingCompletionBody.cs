using System.IO.Pipelines;
using CanaryService.Application.Proxy.ServerSentEvents;
using CanaryService.Core.Marking;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// The body of a streamed (SSE) answer: parses events as bytes arrive, marks them with its surface's rewriter and sends and flushes
/// every event completed by a read at once, so nothing waits for a later read.
/// </summary>
/// <remarks>
/// It writes through the response's own <see cref="PipeWriter"/>, taken before this stream replaced the body: a
/// pipe's <c>WriteAsync</c> writes and flushes in one call, for Kestrel's writer and for one over any other stream
/// alike. (Writing to the body stream and then flushing it took Kestrel's output lock twice per read.)
/// </remarks>
internal sealed class StreamingCompletionBody : RewritingResponseBody
{
    private readonly ServerSentEventParser _parser = new();
    private readonly IStreamRewriter _rewriter;
    private readonly PipeWriter _writer;

    public StreamingCompletionBody(HttpResponse response, ResponseMarking marking)
        : this(response, new ChatCompletionStreamRewriter(marking))
    {
    }

    public StreamingCompletionBody(HttpResponse response, IStreamRewriter rewriter)
        : base(response?.Body!)
    {
        ArgumentNullException.ThrowIfNull(rewriter);
        _writer = response!.BodyWriter;
        _rewriter = rewriter;
    }

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

        await _writer.WriteAsync(_rewriter.Output.WrittenMemory, cancellationToken).ConfigureAwait(false);
        _rewriter.OutputSent();
    }
}
