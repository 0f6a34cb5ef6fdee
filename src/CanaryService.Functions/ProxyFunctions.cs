using CanaryService.Api.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace CanaryService.Functions;

/// <summary>
/// The marking proxy's routes (host.json sets routePrefix "" so the paths are OpenAI's). Anonymous at the Functions
/// level: callers present their upstream credentials, which the proxy forwards. The proxy writes (and flushes, event by
/// event when streaming) straight to <see cref="HttpContext.Response"/>, hence the empty results.
/// </summary>
public sealed class ProxyFunctions(CanaryProxy proxy)
{
    [Function("ChatCompletions")]
    public async Task<IActionResult> ChatCompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/chat/completions")] HttpRequest request)
    {
        await proxy.ForwardChatCompletionAsync(request.HttpContext).ConfigureAwait(false);
        return new EmptyResult();
    }

    [Function("AzureOpenAIChatCompletions")]
    public async Task<IActionResult> AzureOpenAIChatCompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "openai/deployments/{deployment}/chat/completions")] HttpRequest request)
    {
        await proxy.ForwardChatCompletionAsync(request.HttpContext).ConfigureAwait(false);
        return new EmptyResult();
    }

    /// <summary>Every other upstream path (models, embeddings…) passes through unmarked; literal routes win over this one.</summary>
    [Function("PassThrough")]
    public async Task<IActionResult> PassThroughAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "{*path}")] HttpRequest request)
    {
        await proxy.ForwardAsync(request.HttpContext).ConfigureAwait(false);
        return new EmptyResult();
    }
}
