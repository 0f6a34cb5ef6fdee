using System.Buffers;
using CanaryService.Application.Proxy.Surfaces;
using CanaryService.Core.Marking;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// The body of a non-streaming answer (a chat completion, a response, a batch file...): collected whole, marked by its
/// surface's <see cref="WholeBodyRewrite"/>, then sent with its new length. An answer
/// larger than the limit is passed through unmarked instead of being held in memory. Both the collected and the
/// marked body live in pooled buffers (two fresh arrays per answer were most of the JSON path's allocations).
/// </summary>
internal sealed class CompletionBody : RewritingResponseBody
{
    private readonly HttpResponse _response;
    private readonly ResponseMarking _marking;
    private readonly int _limit;
    private readonly WholeBodyRewrite _rewrite;
    private readonly MarkedAnswers _markedResponses;
    private readonly bool _findAnswerId;
    private readonly AnswerMarkingLookup? _lookup;
    private PooledBufferWriter<byte>? _buffer = new(4096);
    private string? _answerId;

    public CompletionBody(HttpResponse response, ResponseMarking marking, int limit)
        : this(response, marking, limit, static (body, marking, output, marked) =>
        {
            int choices = ChatCompletionRewriter.Rewrite(body, marking, output);
            marked.Add(choices);
            return choices >= 0;
        })
    {
    }

    public CompletionBody(HttpResponse response, ResponseMarking marking, int limit, WholeBodyRewrite rewrite, bool findAnswerId = false,
        IReadOnlyDictionary<string, ResponseMarking?>? requestMarkings = null, AnswerMarkingLookup? lookup = null)
        : base(response?.Body!)
    {
        ArgumentNullException.ThrowIfNull(marking);
        ArgumentNullException.ThrowIfNull(rewrite);
        _response = response!;
        _marking = marking;
        _limit = limit;
        _rewrite = rewrite;
        _findAnswerId = findAnswerId;
        _markedResponses = new MarkedAnswers(requestMarkings);
        _lookup = lookup;
    }

    public override int MarkedChoices => _markedResponses.Choices;

    public override IReadOnlyList<(int Choices, ResponseMarking? Marking)> MarkedResponses => _markedResponses.All;

    /// <inheritdoc />
    public override string? AnswerId => _answerId;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_buffer is null)
        {
            await Inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_buffer.WrittenCount + buffer.Length <= _limit)
        {
            _buffer.Write(buffer.Span);
            return;
        }

        // Too large to rewrite: send what we have and stream the rest through.
        PooledBufferWriter<byte> held = _buffer;
        _buffer = null;
        await Inner.WriteAsync(held.WrittenMemory, cancellationToken).ConfigureAwait(false);
        held.Release();
        await Inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_buffer is null)
        {
            return;
        }

        PooledBufferWriter<byte> original = _buffer;
        _buffer = null;
        if (_lookup is not null)
        {
            // The markings of particular answers in the body (stored completions that carry a canary), read before it is rewritten.
            _markedResponses.ByRequest = await _lookup(original.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        var marked = new PooledBufferWriter<byte>(original.WrittenCount + 256);
        bool rewritten = _rewrite(original.WrittenSpan, _marking, marked, _markedResponses);
        ReadOnlyMemory<byte> body = rewritten ? marked.WrittenMemory : original.WrittenMemory;
        if (_findAnswerId && rewritten && _marking.CanaryEmitted)
        {
            _answerId = AnswerIds.Find(original.WrittenSpan);
        }

        OnCompleting();

        _response.ContentLength = body.Length;
        await Inner.WriteAsync(body, cancellationToken).ConfigureAwait(false);

        // Sent; a write that failed leaves both buffers to the GC instead.
        original.Release();
        marked.Release();
    }
}
