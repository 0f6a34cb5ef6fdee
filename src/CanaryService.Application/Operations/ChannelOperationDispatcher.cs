using System.Threading.Channels;

namespace CanaryService.Application.Operations;

/// <summary>
/// The Host's in-process operation queue: a bounded channel that <see cref="OperationWorker"/> reads. Bounded
/// because every operation is a long run: past <see cref="Capacity"/> waiting, a new one is refused (the caller
/// gets a 503), never buffered without limit.
/// </summary>
public sealed class ChannelOperationDispatcher : IOperationDispatcher
{
    /// <summary>How many operations may wait behind the one running.</summary>
    public const int Capacity = 32;

    private readonly Channel<string> _channel = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <inheritdoc />
    public bool TryEnqueue(string operationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        return _channel.Writer.TryWrite(operationId);
    }

    /// <summary>The worker's end of the queue.</summary>
    internal ChannelReader<string> Reader => _channel.Reader;
}
