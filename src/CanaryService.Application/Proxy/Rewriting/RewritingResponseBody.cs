using CanaryService.Core.Marking;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// A write-only stream put in place of the response body while the forwarder copies the upstream answer: it
/// rewrites what passes through and writes the result to the real body.
/// </summary>
internal abstract class RewritingResponseBody : Stream
{
    protected RewritingResponseBody(Stream inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The real response body.</summary>
    public Stream Inner { get; }

    /// <summary>How many choices were marked (known once <see cref="CompleteAsync"/> ran).</summary>
    public abstract int MarkedChoices { get; }

    /// <summary>
    /// The marked choices of each answer with text (one entry per issued response; a batch file has one per line), with the
    /// answer's own marking where it had one (a batch line that drew a phrase canary); null: the body's.
    /// </summary>
    public virtual IReadOnlyList<(int Choices, ResponseMarking? Marking)> MarkedResponses => MarkedChoices > 0 ? [(MarkedChoices, null)] : [];

    /// <summary>
    /// The provider's id of the answer (what a stored answer is fetched again by), when the body was asked to find it
    /// and the answer carried a phrase canary; null otherwise.
    /// </summary>
    public virtual string? AnswerId => null;

    /// <summary>
    /// Called once the answer is rewritten, just before its last bytes go out: what must be on record before the caller
    /// can hold the whole answer (the canary a stored answer carries, for a fetch that follows at once).
    /// </summary>
    public Action<RewritingResponseBody>? Completing { get; set; }

    /// <summary>Runs <see cref="Completing"/>.</summary>
    protected void OnCompleting() => Completing?.Invoke(this);

    /// <summary>The upstream answer ended normally: writes whatever is still held.</summary>
    public abstract Task CompleteAsync(CancellationToken cancellationToken);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
        // Each implementation flushes when it has complete output; a flush from the copier adds nothing.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public abstract override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);
}
