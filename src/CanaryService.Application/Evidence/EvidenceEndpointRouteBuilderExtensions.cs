using CanaryService.Application.Campaigns;
using CanaryService.Application.Errors;
using CanaryService.Application.Evidence;
using CanaryService.Application.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the evidence API and guards it.</summary>
public static class EvidenceEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET /api/competitors</c>, <c>GET /api/competitors/{name}/evidence</c>, <c>GET /api/competitors/{name}/report</c>,
    /// <c>GET /api/accounts/{account}/prompts</c> and <c>GET /api/ledger/verify</c> onto <see cref="EvidenceHandlers"/>,
    /// <c>POST /api/accounts/lookup</c>, <c>GET /api/accounts</c> and <c>GET /api/clusters</c> onto <see cref="CampaignHandlers"/>,
    /// and the long operations <c>POST /api/probes/run</c>, <c>POST /api/monitor/run</c> (202 with
    /// <c>Location: /api/operations/{id}</c>, run by the <see cref="IOperationDispatcher"/> that <c>AddCanaryOperationWorker</c>
    /// registers) and <c>GET /api/operations/{id}</c> onto <see cref="OperationHandlers"/>; any other <c>/api</c> path or
    /// method gets an OpenAI-shaped 404, and a storage outage an OpenAI-shaped 503.
    /// </summary>
    public static RouteGroupBuilder MapCanaryEvidenceApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder api = endpoints.MapGroup("/api");
        api.AddEndpointFilter(StorageUnavailableFilter.InvokeAsync);
        api.MapGet("/competitors", (EvidenceHandlers h, CancellationToken ct) => h.ListCompetitorsAsync(ct));
        api.MapGet("/competitors/{name}/evidence", (string name, EvidenceHandlers h, CancellationToken ct) => h.GetEvidenceAsync(name, ct));
        api.MapGet("/competitors/{name}/report", (string name, EvidenceHandlers h, CancellationToken ct) => h.GetReportAsync(name, ct));
        api.MapPost("/accounts/lookup", (HttpRequest request, CampaignHandlers h, CancellationToken ct) => h.LookupAsync(request, ct));
        api.MapGet("/accounts", (string? flagged, CampaignHandlers h, CancellationToken ct) => h.ListAccountsAsync(flagged, ct));
        api.MapGet("/clusters", (CampaignHandlers h, CancellationToken ct) => h.ListClustersAsync(ct));
        api.MapPost("/monitor/run", async (OperationHandlers h, IOperationDispatcher dispatcher, CancellationToken ct) =>
            await h.DispatchAsync(await h.RecordMonitorAsync(ct).ConfigureAwait(false), dispatcher).ConfigureAwait(false));
        api.MapGet("/accounts/{account}/prompts", (string account, string? limit, PromptSampleHandlers h, CancellationToken ct) => h.ListAsync(account, limit, ct));
        api.MapGet("/ledger/verify", (EvidenceHandlers h, CancellationToken ct) => h.VerifyLedgerAsync(ct));
        api.MapPost("/probes/run", async (string? competitor, string? seed, OperationHandlers h, IOperationDispatcher dispatcher, CancellationToken ct) =>
            await h.DispatchAsync(await h.RecordProbesAsync(competitor, seed, ct).ConfigureAwait(false), dispatcher).ConfigureAwait(false));
        api.MapGet("/operations/{id}", (string id, OperationHandlers h, CancellationToken ct) => h.GetAsync(id, ct));

        // Every other /api path and method is the evidence API's too: answered here, never forwarded upstream by the
        // proxy's catch-all route (with the admin key in its headers).
        api.Map("/{**path}", EvidenceHandlers.RouteNotFound);
        return api;
    }

    /// <summary>Requires the <c>x-canary-admin-key</c> header on every <c>/api/*</c> request (the Host's guard; Functions use function keys).</summary>
    public static IApplicationBuilder UseCanaryAdminKey(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<AdminKeyMiddleware>();
    }
}
