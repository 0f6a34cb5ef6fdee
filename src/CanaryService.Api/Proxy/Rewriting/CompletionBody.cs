using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Api.Proxy.Rewriting;

/// <summary>
/// The body of a non-streaming chat completion: collected whole, marked, then sent with its new length. An answer
/// larger than the limit is passed through unmarked instead of being held in memory.
/// </summary>
internal sealed class CompletionBody : RewritingResponseBody
{
    private readonly HttpResponse _response;
    private readonly IResponseMarking _marking;
    private readonly int _limit;
    private ArrayBufferWriter<byte>? _buffer = new(4096);
    private int _markedChoices;

    public CompletionBody(HttpResponse response, IResponseMarking marking, int limit)
        : base(response?.Body!)
    {
        ArgumentNullException.ThrowIfNull(marking);
        _response = response!;
        _marking = marking;
        _limit = limit;
    }

    public override int MarkedChoices => _markedChoices;

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
        ReadOnlyMemory<byte> held = _buffer.WrittenMemory;
        _buffer = null;
        await Inner.WriteAsync(held, cancellationToken).ConfigureAwait(false);
        await Inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_buffer is null)
        {
            return;
        }

        ReadOnlyMemory<byte> original = _buffer.WrittenMemory;
        var marked = new ArrayBufferWriter<byte>(original.Length + 256);
        int choices = ChatCompletionRewriter.Rewrite(original.Span, _marking, marked);
        ReadOnlyMemory<byte> body = choices < 0 ? original : marked.WrittenMemory;
        _markedChoices = Math.Max(choices, 0);
        _buffer = null;
        _response.ContentLength = body.Length;
        await Inner.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }
}
