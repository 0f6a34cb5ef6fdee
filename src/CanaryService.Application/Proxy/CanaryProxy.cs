using System.Buffers;
using System.Diagnostics;
using System.Net;
using CanaryService.Application.Configuration;
using CanaryService.Application.Errors;
using CanaryService.Application.Proxy.Forwarding;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Application.Proxy.Surfaces;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace CanaryService.Application.Proxy;

/// <summary>
/// The OpenAI-compatible marking proxy: forwards every request to the upstream with YARP's
/// <see cref="IHttpForwarder"/>, and marks the generated text of each <see cref="MarkedSurface"/> on the way back.
/// </summary>
/// <remarks>
/// Errors the proxy itself produces are OpenAI-shaped: 400 for a body that is not a JSON object, 413 for one
/// above <see cref="ProxyOptions.MaxRequestBodyBytes"/>, 502 when the upstream cannot be reached, 504 when it
/// stays silent longer than <see cref="UpstreamOptions.Timeout"/>. The upstream's own errors pass through as they are.
/// </remarks>
public sealed partial class CanaryProxy : IDisposable
{
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly string _destinationPrefix;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly string? _apiKey;
    private readonly UpstreamTransformer _passThrough;
    private readonly ProxyOptions _options;
    private readonly AccountResolver _accounts;
    private readonly CanaryMarker? _marker;
    private readonly IIssuanceLog? _issuance;
    private readonly IPromptSampleLog? _prompts;
    private readonly IStoredCanaryIndex? _storedCanaries;
    private readonly BatchInputReader _batchInputs;
    private readonly ProxyMetrics _metrics;
    private readonly ITrafficLog? _traffic;
    private readonly string? _clientAddressHeader;
    private readonly ILogger _logger;

    internal CanaryProxy(
        IHttpForwarder forwarder,
        IOptions<UpstreamOptions> upstream,
        IOptions<ProxyOptions> options,
        AccountResolver accounts,
        CanaryMarker? marker,
        IIssuanceLog? issuance,
        IPromptSampleLog? prompts,
        ProxyMetrics metrics,
        ILogger<CanaryProxy> logger,
        ITrafficLog? traffic = null,
        IStoredCanaryIndex? storedCanaries = null)
    {
        ArgumentNullException.ThrowIfNull(forwarder);
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        UpstreamOptions settings = upstream.Value;
        _destinationPrefix = ValidateBaseUrl(settings.BaseUrl);
        _forwarder = forwarder;
        _apiKey = string.IsNullOrEmpty(settings.ApiKey) ? null : settings.ApiKey;
        _passThrough = new UpstreamTransformer(_apiKey);
        _requestConfig = new ForwarderRequestConfig { ActivityTimeout = settings.Timeout };
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            ConnectTimeout = settings.ConnectTimeout,
        });
        _options = options.Value;
        _accounts = accounts;
        _marker = marker;
        _issuance = issuance;
        _prompts = prompts;
        _metrics = metrics;
        _traffic = traffic;
        _storedCanaries = storedCanaries;
        // The download waits for the batch's input before its answer is copied, and the forwarder gives up on an upstream
        // silent for Upstream:Timeout: the input gets half of that, so a slow one costs canaries, never the download.
        _batchInputs = new BatchInputReader(_client, _destinationPrefix, _apiKey, _options.MaxRewrittenResponseBytes,
            settings.Timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : settings.Timeout / 2);
        _clientAddressHeader = string.IsNullOrWhiteSpace(_options.ClientAddressHeader) ? null : _options.ClientAddressHeader.Trim();
        _logger = logger;
    }

    /// <summary>Forwards a request as it is (every path that is not a marked surface).</summary>
    public async Task ForwardAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _metrics.Handled(ProxyMetrics.PassThrough, marked: false);
        ForwarderError error = await _forwarder.SendAsync(context, _destinationPrefix, _client, _requestConfig, _passThrough).ConfigureAwait(false);
        await ReportForwarderErrorAsync(context, error).ConfigureAwait(false);
    }

    /// <summary>Forwards a chat completion and marks its text on the way back.</summary>
    public Task ForwardChatCompletionAsync(HttpContext context) => ForwardMarkedAsync(context, MarkedSurface.ChatCompletions);

    /// <summary>Forwards a request to <paramref name="surface"/> and marks its answer's generated text on the way back.</summary>
    public async Task ForwardMarkedAsync(HttpContext context, MarkedSurface surface)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(surface);
        bool marked = false;
        try
        {
            marked = await ForwardAndMarkAsync(context, surface).ConfigureAwait(false);
        }
        finally
        {
            _metrics.Handled(surface.Name, marked);
        }
    }

    /// <summary>The body of <see cref="ForwardMarkedAsync"/>; true when the answer went out marked.</summary>
    private async Task<bool> ForwardAndMarkAsync(HttpContext context, MarkedSurface surface)
    {
        byte[]? body = surface.Request is null ? [] : await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return false;
        }

        string? parseError = null;
        MarkedRequest? request = surface.Request is { } shape ? MarkedRequest.TryParse(body, shape, out parseError) : MarkedRequest.WithoutBody;
        if (request is null)
        {
            await OpenAIError.WriteAsync(context.Response, StatusCodes.Status400BadRequest, parseError!, "invalid_request_error", "invalid_json").ConfigureAwait(false);
            return false;
        }

        string? account = _accounts.Resolve(context.Request);
        if (account is null)
        {
            await OpenAIError.WriteAsync(context.Response, StatusCodes.Status400BadRequest,
                "The account header set by the front door holds an invalid account id.", "invalid_request_error", "invalid_account").ConfigureAwait(false);
            return false;
        }

        MarkingPlan? plan = null;
        if (_marker is not null && !request.StructuredOutput)
        {
            plan = surface.Stored == StoredAnswerRole.Fetched && _storedCanaries is not null && MarkedSurface.StoredAnswerIdOf(context.Request.Path) is { } storedId
                ? MarkingPlan.BeginStored(_marker, _storedCanaries, account, storedId, _options.MaxRewrittenResponseBytes, _logger, context.RequestAborted)
                : surface.Stored == StoredAnswerRole.Listed && _storedCanaries is not null
                ? MarkingPlan.BeginStoredList(_marker, _storedCanaries, account, _options.MaxRewrittenResponseBytes, _logger, context.RequestAborted)
                : surface == MarkedSurface.BatchOutputFiles
                ? MarkingPlan.BeginBatch(_marker, _batchInputs, context.Request, account, _options.MaxRewrittenResponseBytes, _logger, context.RequestAborted)
                : MarkingPlan.Begin(_marker, account, request.PromptText, _options.MaxRewrittenResponseBytes, _logger, context.RequestAborted,
                    findsAnswerId: surface.Stored == StoredAnswerRole.Created && request.Store && _storedCanaries is not null);
        }

        if (surface.Request is not null)
        {
            // The body was read to look at it; the forwarder sends the same bytes on.
            context.Request.Body = new MemoryStream(body, writable: false);
            context.Request.ContentLength = body.Length;
            context.Request.Headers.TransferEncoding = default;
        }

        var transformer = new UpstreamTransformer(_apiKey, plan, surface);
        Stream responseBody = context.Response.Body;
        ForwarderError error;
        bool recorded = false;
        try
        {
            error = await _forwarder.SendAsync(context, _destinationPrefix, _client, _requestConfig, transformer).ConfigureAwait(false);
            if (error == ForwarderError.None && transformer.Body is { } rewriting)
            {
                if (plan is not null && await plan.MarkingAsync().ConfigureAwait(false) is { } answerMarking)
                {
                    // On record before the caller holds the whole answer: what was issued, and the canary a stored answer
                    // carries, for a fetch that follows at once.
                    rewriting.Completing = body =>
                    {
                        recorded = true;
                        RecordIssued(body, answerMarking, plan, request.PromptText);
                    };
                }

                await CompleteAsync(context, rewriting).ConfigureAwait(false);
            }
        }
        finally
        {
            context.Response.Body = responseBody;
        }

        // A stream cut off (by the upstream or the caller) never completes: what was sent of it is issued all the same.
        if (!recorded && transformer.Body is { MarkedChoices: > 0 } cut && plan is not null && await plan.MarkingAsync().ConfigureAwait(false) is { } cutMarking)
        {
            RecordIssued(cut, cutMarking, plan, request.PromptText);
        }

        await ReportForwarderErrorAsync(context, error).ConfigureAwait(false);
        if (error == ForwarderError.None)
        {
            RecordTraffic(context, surface, request, account, plan);
        }

        return transformer.Body is { MarkedChoices: > 0 };
    }

    /// <summary>
    /// Records what a marked answer issued, once it is rewritten and before its last bytes go out. Record never blocks:
    /// the issuance log, the prompt sample and the stored-canary index queue and write in the background. A batch file
    /// holds many answers, each issued to the account that downloads it; it has no prompt to sample.
    /// </summary>
    private void RecordIssued(RewritingResponseBody body, ResponseMarking marking, MarkingPlan plan, string prompt)
    {
        IssuanceEvent? issued = null;
        foreach ((int markedChoices, ResponseMarking? own) in body.MarkedResponses)
        {
            issued = (own ?? marking).ToIssuance(markedChoices);
            _issuance?.Record(issued);
        }

        if (issued is not null && !string.IsNullOrEmpty(prompt))
        {
            _prompts?.Record(new PromptSample(issued.AccountId, issued.IssuedAt, prompt));
        }

        // A stored answer that carried a canary carries it again when fetched by its id (a fetch has no prompt to draw from).
        if (plan.FindsAnswerId && _storedCanaries is not null && body.AnswerId is { } answerId && marking is { CanaryEmitted: true, Canary: { } canary })
        {
            _storedCanaries.Record(new StoredCanary(answerId, marking.IssuedAt, canary.Epoch, canary.Topic));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Queues the request for the account's traffic features: a record with the prompt, reduced to hashes by the
    /// background writer. Only answered requests count (an upstream error is no harvest).
    /// </summary>
    private void RecordTraffic(HttpContext context, MarkedSurface surface, MarkedRequest request, string account, MarkingPlan? plan)
    {
        if (_traffic is null || context.Response.StatusCode >= StatusCodes.Status400BadRequest)
        {
            return;
        }

        TrafficSurfaces surfaces = (request.Stream ? TrafficSurfaces.Streaming : 0)
            | (surface == MarkedSurface.BatchOutputFiles ? TrafficSurfaces.Batch : 0)
            | (request.Reasoning ? TrafficSurfaces.ReasoningTraces : 0)
            | (request.MultipleChoices ? TrafficSurfaces.MultipleChoices : 0);
        HttpRequest http = context.Request;
        _traffic.Record(new TrafficObservation(
            account,
            DateTimeOffset.UtcNow,
            request.PromptText,
            request.Turns,
            surfaces,
            plan?.OutputWords ?? 0,
            http.Headers.UserAgent.Count > 0 ? http.Headers.UserAgent.ToString() : null,
            _clientAddressHeader is not null && http.Headers.TryGetValue(_clientAddressHeader, out var address) ? address.ToString() : null,
            AccountResolver.KeyHintOf(http)));
    }

    private async Task CompleteAsync(HttpContext context, RewritingResponseBody rewriting)
    {
        try
        {
            await rewriting.CompleteAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException)
        {
            // The caller went away while the last bytes were sent; there is no one left to tell.
            LogClientGone(_logger);
        }
    }

    /// <summary>The body is held in one array to be read, so nothing larger than an array is accepted whatever the setting.</summary>
    private long RequestBodyLimit => Math.Min(_options.MaxRequestBodyBytes, Array.MaxLength);

    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        long limit = RequestBodyLimit;
        if (request.ContentLength > limit)
        {
            await WriteTooLargeAsync(context).ConfigureAwait(false);
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        if (request.ContentLength is long declared)
        {
            return await ReadDeclaredBodyAsync(context, (int)declared).ConfigureAwait(false);
        }

        using var collected = new MemoryStream(4096);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                int read = await request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                if (collected.Length + read > limit)
                {
                    await WriteTooLargeAsync(context).ConfigureAwait(false);
                    return null;
                }

                collected.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException exception)
        {
            if (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await WriteTooLargeAsync(context).ConfigureAwait(false);
            }
            else
            {
                await OpenAIError.WriteAsync(context.Response, exception.StatusCode, "The request body could not be read.", "invalid_request_error", "invalid_body").ConfigureAwait(false);
            }

            return null;
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException)
        {
            LogClientGone(_logger);
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return collected.ToArray();
    }

    /// <summary>A body of known length (the usual request), read straight into an array of that length.</summary>
    private async Task<byte[]?> ReadDeclaredBodyAsync(HttpContext context, int length)
    {
        byte[] body = new byte[length];
        try
        {
            // Kestrel ends the body at Content-Length, and throws if the connection closes before.
            await context.Request.Body.ReadExactlyAsync(body, context.RequestAborted).ConfigureAwait(false);
            return body;
        }
        catch (BadHttpRequestException exception)
        {
            await OpenAIError.WriteAsync(context.Response, exception.StatusCode, "The request body could not be read.", "invalid_request_error", "invalid_body").ConfigureAwait(false);
            return null;
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException)
        {
            LogClientGone(_logger);
            return null;
        }
    }

    private Task WriteTooLargeAsync(HttpContext context) =>
        OpenAIError.WriteAsync(context.Response, StatusCodes.Status413PayloadTooLarge,
            $"The request body is larger than the limit of {RequestBodyLimit} bytes.", "invalid_request_error", "request_too_large");

    private static Task ReportForwarderErrorAsync(HttpContext context, ForwarderError error)
    {
        if (error == ForwarderError.None || context.Response.HasStarted)
        {
            // A failure after the answer started is reported by resetting the connection (YARP does that).
            return Task.CompletedTask;
        }

        return error switch
        {
            ForwarderError.RequestTimedOut => OpenAIError.WriteAsync(context.Response, StatusCodes.Status504GatewayTimeout,
                "The upstream API did not answer in time.", "upstream_error", "upstream_timeout"),
            // The server refused the body (e.g. above Kestrel's size limit on a pass-through path): say so in the OpenAI shape.
            ForwarderError.RequestBodyClient when RefusedBody(context) is { } bad
                => OpenAIError.WriteAsync(context.Response, bad.StatusCode,
                    bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is larger than the server accepts." : "The request body could not be read.",
                    "invalid_request_error", bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "request_too_large" : "invalid_body"),
            ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
                or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyClient => Task.CompletedTask,
            _ => OpenAIError.WriteAsync(context.Response, StatusCodes.Status502BadGateway,
                "The upstream API could not be reached or sent an invalid answer.", "upstream_error", "upstream_unavailable"),
        };
    }

    /// <summary>The server's refusal of the request body (wrapped by the forwarder's copy), if that is what failed.</summary>
    private static BadHttpRequestException? RefusedBody(HttpContext context)
    {
        for (Exception? exception = context.Features.Get<IForwarderErrorFeature>()?.Exception; exception is not null; exception = exception.InnerException)
        {
            if (exception is BadHttpRequestException bad)
            {
                return bad;
            }
        }

        return null;
    }

    private static string ValidateBaseUrl(string? baseUrl)
    {
        if (string.IsNullOrWhiteSpace(baseUrl))
        {
            throw new CanaryConfigurationException(
                "Upstream:BaseUrl is not set. Set it to the upstream origin plus any path prefix, e.g. https://api.openai.com or https://<resource>.openai.azure.com.");
        }

        if (!Uri.TryCreate(baseUrl.Trim(), UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new CanaryConfigurationException(
                "Upstream:BaseUrl must be an absolute http(s) URL without query or fragment, e.g. https://api.openai.com.");
        }

        // YARP appends the incoming path to the prefix; a trailing slash would double it.
        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The caller disconnected; the request was abandoned.")]
    private static partial void LogClientGone(ILogger logger);
}
