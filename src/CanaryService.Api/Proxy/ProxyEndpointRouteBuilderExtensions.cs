using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Api.Proxy;

/// <summary>Maps the marking proxy's routes.</summary>
public static class ProxyEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST /v1/chat/completions</c> and <c>POST /openai/deployments/{deployment}/chat/completions</c>
    /// (marked), and every other path (passed through unchanged, at the lowest precedence, so more specific
    /// routes such as the evidence API win).
    /// </summary>
    public static IEndpointRouteBuilder MapCanaryProxy(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        CanaryProxy proxy = endpoints.ServiceProvider.GetRequiredService<CanaryProxy>();
        endpoints.MapPost("/v1/chat/completions", proxy.ForwardChatCompletionAsync);
        endpoints.MapPost("/openai/deployments/{deployment}/chat/completions", proxy.ForwardChatCompletionAsync);
        endpoints.Map("/{**path}", proxy.ForwardAsync);
        return endpoints;
    }
}
