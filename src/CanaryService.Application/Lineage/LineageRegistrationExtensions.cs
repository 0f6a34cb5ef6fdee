using CanaryService.Application.Configuration;
using CanaryService.Application.Evidence;
using CanaryService.Application.Lineage;
using CanaryService.Application.Lineage.Sampling;
using CanaryService.Core.Lineage;
using CanaryService.Storage.Lineage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Registers and maps the lineage API.</summary>
public static class LineageRegistrationExtensions
{
    /// <summary>
    /// Adds the sample store (<c>Lineage:Container</c>), the analysis cache, the handlers and the sampler that asks the
    /// shipped lineage prompts on the probe timer (section <c>Lineage</c>, validated at startup). The sampler uses the
    /// probe's clients and transcripts, so <c>AddCanaryProbing</c> and <c>AddCanaryStorage</c> come with it.
    /// </summary>
    public static IServiceCollection AddCanaryLineage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LineageServiceOptions>().Bind(configuration.GetSection(LineageServiceOptions.SectionName));
        services.AddCanaryLineageStorage(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LineageAnalysisCache>();
        services.TryAddSingleton<LineageHandlers>();

        services.AddOptions<LineageSamplingOptions>().Bind(configuration.GetSection(LineageSamplingOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LineageSamplingOptions>, LineageSamplingOptionsValidator>());
        // The own models are asked at the upstream the proxy forwards to, with the proxy's upstream key.
        services.AddOptions<UpstreamOptions>().Bind(configuration.GetSection(UpstreamOptions.SectionName));
        services.TryAddSingleton(_ => LineagePromptSet.Default);
        services.TryAddSingleton<LineageSampler>();
        return services;
    }

    /// <summary>
    /// Maps <c>POST /api/lineage/samples</c>, <c>GET /api/lineage/models/{model}</c> and <c>GET /api/lineage/report</c>
    /// (behind the same admin-key guard as every <c>/api</c> route, with the evidence API's 503 on a storage outage).
    /// </summary>
    public static RouteGroupBuilder MapCanaryLineageApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder lineage = endpoints.MapGroup("/api/lineage");
        lineage.AddEndpointFilter(StorageUnavailableFilter.InvokeAsync);
        lineage.MapPost("/samples", (HttpRequest request, LineageHandlers h, CancellationToken ct) => h.UploadAsync(request, ct));
        lineage.MapGet("/models/{model}", (string model, LineageHandlers h, CancellationToken ct) => h.GetModelAsync(model, ct));
        lineage.MapGet("/report", (LineageHandlers h, CancellationToken ct) => h.GetReportAsync(ct));
        return lineage;
    }
}
