using CanaryService.Application.Proxy.Surfaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Proxy;

/// <summary>Maps the marking proxy's routes.</summary>
public static class ProxyEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the routes of every <see cref="MarkedSurface"/> (chat completions, completions, responses, stored responses,
    /// stored chat completions and their list, batch output files; OpenAI's and Azure OpenAI's paths), and every other path (passed through unchanged, at the
    /// lowest precedence, so more specific routes such as the evidence API win).
    /// </summary>
    public static IEndpointRouteBuilder MapCanaryProxy(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        CanaryProxy proxy = endpoints.ServiceProvider.GetRequiredService<CanaryProxy>();
        foreach (MarkedSurface surface in MarkedSurface.All)
        {
            foreach (string route in surface.Routes)
            {
                endpoints.MapMethods(route, [surface.Method], context => proxy.ForwardMarkedAsync(context, surface));
            }
        }

        endpoints.Map("/{**path}", proxy.ForwardAsync);
        return endpoints;
    }
}
