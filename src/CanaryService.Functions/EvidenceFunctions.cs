using CanaryService.Application.Evidence;
using CanaryService.Application.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace CanaryService.Functions;

/// <summary>
/// The evidence API on the Host's paths (<c>/api/...</c>), guarded by function keys instead of the Host's admin key;
/// starting a probe run (a long operation, <see cref="OperationFunctions"/>) needs the master (admin) key.
/// </summary>
public sealed class EvidenceFunctions(EvidenceHandlers handlers, OperationHandlers operations)
{
    [Function("ListCompetitors")]
    public async Task<IActionResult> ListCompetitorsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/competitors")] HttpRequest request) =>
        await WriteAsync(request, () => handlers.ListCompetitorsAsync(request.HttpContext.RequestAborted)).ConfigureAwait(false);

    [Function("CompetitorEvidence")]
    public async Task<IActionResult> EvidenceAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/competitors/{name}/evidence")] HttpRequest request, string name) =>
        await WriteAsync(request, () => handlers.GetEvidenceAsync(name, request.HttpContext.RequestAborted)).ConfigureAwait(false);

    [Function("CompetitorReport")]
    public async Task<IActionResult> ReportAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/competitors/{name}/report")] HttpRequest request, string name) =>
        await WriteAsync(request, () => handlers.GetReportAsync(name, request.HttpContext.RequestAborted)).ConfigureAwait(false);

    [Function("VerifyLedger")]
    public async Task<IActionResult> VerifyLedgerAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/ledger/verify")] HttpRequest request) =>
        await WriteAsync(request, () => handlers.VerifyLedgerAsync(request.HttpContext.RequestAborted)).ConfigureAwait(false);

    /// <summary>
    /// <c>POST /api/probes/run[?competitor=name][&amp;seed=n]</c>: records the run and answers 202 with its status URL; the
    /// run itself is queued for <c>RunOperation</c>.
    /// </summary>
    [Function("RunProbesNow")]
    public Task<OperationAccepted> RunProbesAsync(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "api/probes/run")] HttpRequest request)
    {
        string? competitor = request.Query["competitor"];
        string? seed = request.Query["seed"];
        return OperationFunctions.AcceptAsync(request, () => operations.RecordProbesAsync(competitor, seed, request.HttpContext.RequestAborted));
    }

    /// <summary>
    /// Every other <c>/api</c> path and method, as on the Host: a 404 answered here. Without this trigger such a request
    /// would fall to the proxy's catch-all <c>PassThrough</c> and go upstream with the caller's headers, function key
    /// included.
    /// </summary>
    [Function("UnknownApiRoute")]
    public static async Task<IActionResult> UnknownApiRouteAsync(
        [HttpTrigger(AuthorizationLevel.Function, Route = "api/{*path}")] HttpRequest request) =>
        await WriteAsync(request, () => Task.FromResult(EvidenceHandlers.RouteNotFound())).ConfigureAwait(false);

    // The handlers return minimal-API results (shared with the Host); they write themselves to the response. A storage
    // failure becomes the same OpenAI-shaped 503 the Host's endpoint filter gives.
    private static async Task<IActionResult> WriteAsync(HttpRequest request, Func<Task<IResult>> handler)
    {
        IResult result = await StorageUnavailableFilter.GuardAsync(request.HttpContext, handler).ConfigureAwait(false);
        await result.ExecuteAsync(request.HttpContext).ConfigureAwait(false);
        return new EmptyResult();
    }
}
