using System.Net.Http.Headers;
using CanaryService.Application.Configuration;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Application.Proxy.Surfaces;
using CanaryService.Core.Marking;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace CanaryService.Application.Proxy.Forwarding;

/// <summary>
/// YARP's header copying plus the proxy's own rules: the upstream gets its own Host; the configured upstream key replaces the caller's
/// credentials; on a marked surface, the upstream is asked for an uncompressed answer and the response body is swapped
/// for the surface's rewriting one once the answer turns out to be a successful one of a media type it marks.
/// </summary>
internal sealed class UpstreamTransformer : HttpTransformer
{
    private readonly string? _apiKey;
    private readonly MarkingPlan? _plan;
    private readonly MarkedSurface _surface;

    public UpstreamTransformer(string? apiKey, MarkingPlan? plan = null, MarkedSurface? surface = null)
    {
        _apiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey;
        _plan = plan;
        _surface = surface ?? MarkedSurface.ChatCompletions;
    }

    /// <summary>The rewriting body put in place, if the answer is being marked.</summary>
    public RewritingResponseBody? Body { get; private set; }

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);

        // The base transformer copies every header, the caller's Host too: the upstream must get its own name (a CDN
        // or Azure's front door routes by it), which the HTTP client sets from the destination when none is given.
        proxyRequest.Headers.Host = null;
        if (_apiKey is not null)
        {
            bool azure = httpContext.Request.Path.StartsWithSegments("/openai", StringComparison.OrdinalIgnoreCase);
            proxyRequest.Headers.Remove(HeaderNames.Authorization);
            proxyRequest.Headers.Remove("api-key");
            if (azure)
            {
                proxyRequest.Headers.TryAddWithoutValidation("api-key", _apiKey);
            }
            else
            {
                proxyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
            }
        }

        if (_plan is not null)
        {
            // A compressed answer could not be rewritten.
            proxyRequest.Headers.AcceptEncoding.Clear();
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(
        HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        bool copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        if (_plan is null || proxyResponse is null || !proxyResponse.IsSuccessStatusCode)
        {
            return copy;
        }

        HttpContentHeaders headers = proxyResponse.Content.Headers;
        if (headers.ContentEncoding.Count > 0)
        {
            return copy;
        }

        string? mediaType = headers.ContentType?.MediaType;
        if (!_surface.Marks(mediaType))
        {
            return copy;
        }

        ResponseMarking? marking = await _plan.MarkingAsync().ConfigureAwait(false);
        if (marking is null)
        {
            return copy;
        }

        HttpResponse response = httpContext.Response;
        Body = _surface.CreateBody(response, mediaType, marking, _plan.MaxRewrittenResponseBytes, _plan.FindsAnswerId, _plan.RequestMarkings, _plan.StoredLookup);
        if (Body is not null)
        {
            response.Headers.ContentLength = null;
            response.Body = Body;
        }

        return copy;
    }
}
