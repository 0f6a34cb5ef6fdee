using CanaryService.Application.Evidence;
using CanaryService.Application.Lineage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace CanaryService.Functions;

/// <summary>The lineage API on the Host's paths (<c>/api/lineage/...</c>), guarded by function keys.</summary>
public sealed class LineageFunctions(LineageHandlers handlers)
{
    /// <summary><c>POST /api/lineage/samples</c>: JSON lines <c>{"model","prompt","output"}</c>.</summary>
    [Function("LineageUploadSamples")]
    public async Task<IActionResult> UploadAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/lineage/samples")] HttpRequest request) =>
        await WriteAsync(request, () => handlers.UploadAsync(request, request.HttpContext.RequestAborted)).ConfigureAwait(false);

    [Function("LineageModel")]
    public async Task<IActionResult> ModelAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/lineage/models/{model}")] HttpRequest request, string model) =>
        await WriteAsync(request, () => handlers.GetModelAsync(model, request.HttpContext.RequestAborted)).ConfigureAwait(false);

    [Function("LineageReport")]
    public async Task<IActionResult> ReportAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/lineage/report")] HttpRequest request) =>
        await WriteAsync(request, () => handlers.GetReportAsync(request.HttpContext.RequestAborted)).ConfigureAwait(false);

    // As in EvidenceFunctions: the shared minimal-API results write themselves; a storage failure becomes the 503.
    private static async Task<IActionResult> WriteAsync(HttpRequest request, Func<Task<IResult>> handler)
    {
        IResult result = await StorageUnavailableFilter.GuardAsync(request.HttpContext, handler).ConfigureAwait(false);
        await result.ExecuteAsync(request.HttpContext).ConfigureAwait(false);
        return new EmptyResult();
    }
}
