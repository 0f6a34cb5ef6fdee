using CanaryService.Application.Proxy;
using CanaryService.Application.Proxy.Surfaces;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace CanaryService.Functions;

/// <summary>
/// The marking proxy's routes (host.json sets routePrefix "" so the paths are OpenAI's): one trigger per route of each
/// <see cref="MarkedSurface"/> (a test checks they are the same), and the pass-through. Anonymous at the Functions
/// level: callers present their upstream credentials, which the proxy forwards. The proxy writes (and flushes, event by
/// event when streaming) straight to <see cref="HttpContext.Response"/>, hence the empty results.
/// </summary>
public sealed class ProxyFunctions(CanaryProxy proxy)
{
    [Function("ChatCompletions")]
    public Task<IActionResult> ChatCompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/chat/completions")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.ChatCompletions);

    [Function("AzureOpenAIChatCompletions")]
    public Task<IActionResult> AzureOpenAIChatCompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "openai/deployments/{deployment}/chat/completions")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.ChatCompletions);

    [Function("AzureOpenAIV1ChatCompletions")]
    public Task<IActionResult> AzureOpenAIV1ChatCompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "openai/v1/chat/completions")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.ChatCompletions);

    [Function("Completions")]
    public Task<IActionResult> CompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/completions")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.Completions);

    [Function("AzureOpenAICompletions")]
    public Task<IActionResult> AzureOpenAICompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "openai/deployments/{deployment}/completions")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.Completions);

    [Function("AzureOpenAIV1Completions")]
    public Task<IActionResult> AzureOpenAIV1CompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "openai/v1/completions")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.Completions);

    [Function("Responses")]
    public Task<IActionResult> ResponsesAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/responses")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.Responses);

    [Function("AzureOpenAIV1Responses")]
    public Task<IActionResult> AzureOpenAIV1ResponsesAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "openai/v1/responses")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.Responses);

    [Function("AzureOpenAIResponses")]
    public Task<IActionResult> AzureOpenAIResponsesAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "openai/responses")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.Responses);

    [Function("StoredChatCompletions")]
    public Task<IActionResult> StoredChatCompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/chat/completions/{id}")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.StoredChatCompletions);

    [Function("AzureOpenAIV1StoredChatCompletions")]
    public Task<IActionResult> AzureOpenAIV1StoredChatCompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openai/v1/chat/completions/{id}")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.StoredChatCompletions);

    [Function("UpdatedChatCompletions")]
    public Task<IActionResult> UpdatedChatCompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/chat/completions/{id}")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.UpdatedChatCompletions);

    [Function("AzureOpenAIV1UpdatedChatCompletions")]
    public Task<IActionResult> AzureOpenAIV1UpdatedChatCompletionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "openai/v1/chat/completions/{id}")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.UpdatedChatCompletions);

    [Function("StoredChatCompletionLists")]
    public Task<IActionResult> StoredChatCompletionListsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/chat/completions")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.StoredChatCompletionLists);

    [Function("AzureOpenAIV1StoredChatCompletionLists")]
    public Task<IActionResult> AzureOpenAIV1StoredChatCompletionListsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openai/v1/chat/completions")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.StoredChatCompletionLists);

    [Function("StoredResponse")]
    public Task<IActionResult> StoredResponseAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/responses/{id}")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.StoredResponses);

    [Function("AzureOpenAIV1StoredResponse")]
    public Task<IActionResult> AzureOpenAIV1StoredResponseAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openai/v1/responses/{id}")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.StoredResponses);

    [Function("AzureOpenAIStoredResponse")]
    public Task<IActionResult> AzureOpenAIStoredResponseAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openai/responses/{id}")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.StoredResponses);

    [Function("BatchOutputFile")]
    public Task<IActionResult> BatchOutputFileAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/files/{id}/content")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.BatchOutputFiles);

    [Function("AzureOpenAIV1BatchOutputFile")]
    public Task<IActionResult> AzureOpenAIV1BatchOutputFileAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openai/v1/files/{id}/content")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.BatchOutputFiles);

    [Function("AzureOpenAIBatchOutputFile")]
    public Task<IActionResult> AzureOpenAIBatchOutputFileAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openai/files/{id}/content")] HttpRequest request) =>
        ForwardAsync(request, MarkedSurface.BatchOutputFiles);

    /// <summary>Every other upstream path (models, embeddings…) passes through unmarked; literal routes win over this one.</summary>
    [Function("PassThrough")]
    public async Task<IActionResult> PassThroughAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "{*path}")] HttpRequest request)
    {
        await proxy.ForwardAsync(request.HttpContext).ConfigureAwait(false);
        return new EmptyResult();
    }

    private async Task<IActionResult> ForwardAsync(HttpRequest request, MarkedSurface surface)
    {
        await proxy.ForwardMarkedAsync(request.HttpContext, surface).ConfigureAwait(false);
        return new EmptyResult();
    }
}
