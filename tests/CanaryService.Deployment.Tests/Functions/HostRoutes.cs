using System.Security.Cryptography;
using CanaryService.Host.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CanaryService.Deployment.Tests.Functions;

/// <summary>
/// The routes the Host serves, read from the endpoint data source of the application <c>Program</c> builds
/// (<see cref="CanaryWebApplication.BuildAsync"/>), built but never started: nothing listens and no storage is reached.
/// </summary>
internal static class HostRoutes
{
    /// <summary>One entry per route and method, as <see cref="Key"/> writes it (<c>*</c> for any method).</summary>
    public static async Task<IReadOnlySet<string>> ReadAsync()
    {
        WebApplication app = await CanaryWebApplication.BuildAsync(
            ["--environment", "Production"],
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Canary:MasterKey"] = Convert.ToBase64String(SHA256.HashData("host-routes"u8)),
                    ["Upstream:BaseUrl"] = "http://127.0.0.1:9/",
                    ["Evidence:AdminKey"] = "host-routes-admin-key-0123456789",
                    ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
                });
            });
        await using (app)
        {
            return ((IEndpointRouteBuilder)app).DataSources
                .SelectMany(source => source.Endpoints)
                .OfType<RouteEndpoint>()
                .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                    .DefaultIfEmpty("*")
                    .Select(method => Key(method, endpoint.RoutePattern.RawText ?? "")))
                .ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// <c>{METHOD} {route}</c> with the route as a Functions trigger writes it: no leading slash, and ASP.NET Core's
    /// <c>{**path}</c> catch-all as the Functions runtime's <c>{*path}</c> (both match the rest of the path).
    /// </summary>
    public static string Key(string method, string route) =>
        method.ToUpperInvariant() + " " + route.TrimStart('/').Replace("{**", "{*", StringComparison.Ordinal);
}
