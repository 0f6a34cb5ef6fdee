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
    private readonly AnswerIdFinder? _answerIdFinder;

    public StreamingCompletionBody(HttpResponse response, ResponseMarking marking)
        : this(response, new ChatCompletionStreamRewriter(marking))
    {
    }

    public StreamingCompletionBody(HttpResponse response, IStreamRewriter rewriter, ResponseMarking? findAnswerIdFor = null)
        : base(response?.Body!)
    {
        ArgumentNullException.ThrowIfNull(rewriter);
        _writer = response!.BodyWriter;
        _rewriter = rewriter;
        _answerIdFinder = findAnswerIdFor is null ? null : new AnswerIdFinder(rewriter, findAnswerIdFor);
    }

    public override int MarkedChoices => _rewriter.MarkedChoices;

    /// <inheritdoc />
    public override string? AnswerId => _answerIdFinder is { Marking.CanaryEmitted: true } finder ? finder.Id : null;

    /// <summary>The sink the parser hands events to: the rewriter, through the finder until the answer's id is found.</summary>
    private IServerSentEventSink Sink => _answerIdFinder is { Id: null } finder ? finder : _rewriter;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _parser.Feed(buffer.Span, Sink);
        await SendAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        _parser.Finish(Sink);
        _rewriter.Complete();
        OnCompleting();
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

    /// <summary>
    /// Hands every event on to the rewriter, reading the answer's id from the events' data until one holds it (a chat
    /// chunk's <c>id</c>, the response in <c>response.created</c>). It takes no events in bulk, so each reaches it whole.
    /// </summary>
    private sealed class AnswerIdFinder(IStreamRewriter rewriter, ResponseMarking marking) : IServerSentEventSink
    {
        public ResponseMarking Marking { get; } = marking;

        public string? Id { get; private set; }

        public void OnEvent(in ServerSentEvent serverSentEvent)
        {
            if (Id is null && serverSentEvent.DataLines > 0)
            {
                Id = AnswerIds.Find(serverSentEvent.Data);
            }

            rewriter.OnEvent(serverSentEvent);
        }

        public void OnReadEnd() => rewriter.OnReadEnd();
    }
}
