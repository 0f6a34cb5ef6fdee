using CanaryService.Application.Evidence;
using CanaryService.Application.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace CanaryService.Functions;

/// <summary>
/// Long operations in Azure: <c>POST /api/probes/run</c> and <c>POST /api/monitor/run</c> record the operation and
/// put its id on <see cref="QueueName"/> (<see cref="OperationAccepted"/>); <c>RunOperation</c> runs it on whichever
/// instance takes the message and keeps the record current; <c>GET /api/operations/{id}</c> reads the record.
/// </summary>
public sealed class OperationFunctions(OperationHandlers handlers, OperationExecutor executor)
{
    /// <summary>The queue (in AzureWebJobsStorage) that carries one operation id per message.</summary>
    public const string QueueName = "operations";

    /// <summary><c>GET /api/operations/{id}</c>: where the operation stands.</summary>
    [Function("GetOperation")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/operations/{id}")] HttpRequest request, string id)
    {
        IResult result = await StorageUnavailableFilter.GuardAsync(request.HttpContext, () => handlers.GetAsync(id, request.HttpContext.RequestAborted)).ConfigureAwait(false);
        await result.ExecuteAsync(request.HttpContext).ConfigureAwait(false);
        return new EmptyResult();
    }

    /// <summary>
    /// Runs one operation. It ends succeeded or failed in its record and the message is done; an instance that dies
    /// mid-run leaves the message to reappear, and the operation (found running) runs again.
    /// </summary>
    [Function("RunOperation")]
    public async Task RunAsync([QueueTrigger(QueueName)] string operationId, CancellationToken cancellationToken) =>
        await executor.ExecuteAsync(operationId, cancellationToken).ConfigureAwait(false);

    /// <summary>Answers a start request: the 202 (or the error) written, and the operation's id queued when one was recorded.</summary>
    internal static async Task<OperationAccepted> AcceptAsync(HttpRequest request, Func<Task<OperationStart>> record)
    {
        OperationStart? start = null;
        IResult result = await StorageUnavailableFilter.GuardAsync(request.HttpContext, async () =>
        {
            start = await record().ConfigureAwait(false);
            return start.Result;
        }).ConfigureAwait(false);
        await result.ExecuteAsync(request.HttpContext).ConfigureAwait(false);
        return new OperationAccepted { Response = new EmptyResult(), OperationId = start?.Operation?.Id };
    }
}

/// <summary>The outputs of a start request: the HTTP answer (already written) and the queued operation id, if any.</summary>
public sealed class OperationAccepted
{
    /// <summary>The HTTP response (the handler has written it).</summary>
    [HttpResult]
    public required IActionResult Response { get; init; }

    /// <summary>The id to run, or null when the request was refused (nothing is queued).</summary>
    [QueueOutput(OperationFunctions.QueueName)]
    public string? OperationId { get; init; }
}
