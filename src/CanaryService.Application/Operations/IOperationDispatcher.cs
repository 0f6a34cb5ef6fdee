namespace CanaryService.Application.Operations;

/// <summary>Hands an accepted operation to whatever runs it (the Host's background worker).</summary>
public interface IOperationDispatcher
{
    /// <summary>Queues <paramref name="operationId"/>; false when the queue is full and the operation will not run.</summary>
    bool TryEnqueue(string operationId);
}
