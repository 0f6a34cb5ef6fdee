using CanaryService.Application.Campaigns;
using CanaryService.Application.Evidence;
using CanaryService.Application.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace CanaryService.Functions;

/// <summary>
/// The accounts and clusters API on the Host's paths: reads behind function keys, the key lookup and a monitor run
/// behind the master (admin) key.
/// </summary>
public sealed class CampaignFunctions(CampaignHandlers handlers, OperationHandlers operations)
{
    /// <summary><c>POST /api/accounts/lookup</c> with <c>{"apiKey":"…"}</c>.</summary>
    [Function("LookupAccount")]
    public async Task<IActionResult> LookupAsync(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "api/accounts/lookup")] HttpRequest request) =>
        await WriteAsync(request, () => handlers.LookupAsync(request, request.HttpContext.RequestAborted)).ConfigureAwait(false);

    /// <summary><c>GET /api/accounts[?flagged=true]</c>.</summary>
    [Function("ListAccounts")]
    public async Task<IActionResult> ListAccountsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/accounts")] HttpRequest request) =>
        await WriteAsync(request, () => handlers.ListAccountsAsync(request.Query["flagged"], request.HttpContext.RequestAborted)).ConfigureAwait(false);

    /// <summary><c>GET /api/clusters</c>.</summary>
    [Function("ListClusters")]
    public async Task<IActionResult> ListClustersAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/clusters")] HttpRequest request) =>
        await WriteAsync(request, () => handlers.ListClustersAsync(request.HttpContext.RequestAborted)).ConfigureAwait(false);

    /// <summary><c>POST /api/monitor/run</c>: records a monitor run and answers 202 with its status URL; <c>RunOperation</c> runs it.</summary>
    [Function("RunMonitorNow")]
    public Task<OperationAccepted> RunMonitorAsync(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "api/monitor/run")] HttpRequest request) =>
        OperationFunctions.AcceptAsync(request, () => operations.RecordMonitorAsync(request.HttpContext.RequestAborted));

    private static async Task<IActionResult> WriteAsync(HttpRequest request, Func<Task<IResult>> handler)
    {
        IResult result = await StorageUnavailableFilter.GuardAsync(request.HttpContext, handler).ConfigureAwait(false);
        await result.ExecuteAsync(request.HttpContext).ConfigureAwait(false);
        return new EmptyResult();
    }
}
