using System.ClientModel.Primitives;

namespace CanaryService.Application.Probing;

/// <summary>
/// An OpenAI SDK pipeline policy, placed per try, that reserves one unit of a <see cref="RequestBudget"/> before
/// each HTTP attempt. Sitting at the transport, it counts every request the SDK would send, whatever retries
/// happen above it.
/// </summary>
internal sealed class RequestBudgetPolicy(RequestBudget budget) : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Reserve();
        ProcessNext(message, pipeline, currentIndex);
    }

    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Reserve();
        return ProcessNextAsync(message, pipeline, currentIndex);
    }

    private void Reserve()
    {
        if (!budget.TryReserve())
        {
            throw new RequestBudgetExhaustedException();
        }
    }
}
