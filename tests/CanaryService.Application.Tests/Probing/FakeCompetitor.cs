using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CanaryService.Application.Tests.Probing;

/// <summary>What the fake competitor does with one request.</summary>
internal abstract record FakeReply
{
    public sealed record Answer(string Text) : FakeReply;

    public sealed record Status(int Code) : FakeReply;

    /// <summary>Never answers (until the client gives up).</summary>
    public sealed record Hang : FakeReply;

    /// <summary>HTTP 200 with a body that is not a chat completion.</summary>
    public sealed record Garbage : FakeReply;
}

/// <summary>
/// An OpenAI-compatible chat-completions endpoint on loopback Kestrel whose behaviour a test scripts. It counts
/// every request it receives (the budget is checked here, where the competitor would bill it) and the most
/// requests it had in flight at once.
/// </summary>
internal sealed class FakeCompetitor : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<string, int, Task<FakeReply>> _behaviour;
    private int _requests;
    private int _inFlight;
    private int _maxInFlight;

    private FakeCompetitor(WebApplication app, Func<string, int, Task<FakeReply>> behaviour)
    {
        _app = app;
        _behaviour = behaviour;
    }

    /// <summary>Requests received so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The most requests in flight at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>The prompts received, in arrival order.</summary>
    public List<string> Prompts { get; } = [];

    /// <summary>The OpenAI base URL (ends in <c>/v1</c>).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Starts a competitor; <paramref name="behaviour"/> gets the prompt and the request's 0-based number.</summary>
    public static Task<FakeCompetitor> StartAsync(Func<string, int, FakeReply> behaviour) =>
        StartAsync((prompt, index) => Task.FromResult(behaviour(prompt, index)));

    /// <summary>Starts a competitor whose behaviour is asynchronous.</summary>
    public static async Task<FakeCompetitor> StartAsync(Func<string, int, Task<FakeReply>> behaviour)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        FakeCompetitor competitor = new(app, behaviour);
        app.MapPost("/v1/chat/completions", competitor.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        competitor.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return competitor;
    }

    private async Task HandleAsync(HttpContext context)
    {
        int index = Interlocked.Increment(ref _requests) - 1;
        int inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            int max;
            while (inFlight > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
            {
            }

            JsonNode body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
            string prompt = string.Join("\n", body["messages"]!.AsArray().Select(m => m!["content"]?.ToString()));
            string model = body["model"]!.GetValue<string>();
            lock (Prompts)
            {
                Prompts.Add(prompt);
            }

            switch (await _behaviour(prompt, index))
            {
                case FakeReply.Answer answer:
                    await context.Response.WriteAsJsonAsync(Completion(model, answer.Text), context.RequestAborted);
                    break;
                case FakeReply.Status status:
                    context.Response.StatusCode = status.Code;
                    await context.Response.WriteAsJsonAsync(new { error = new { message = "fake failure", type = "server_error" } }, context.RequestAborted);
                    break;
                case FakeReply.Hang:
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                    break;
                case FakeReply.Garbage:
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("<html>this is not json {{{", context.RequestAborted);
                    break;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up (time-out); nothing to answer.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static JsonObject Completion(string model, string text) => new()
    {
        ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
        ["object"] = "chat.completion",
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
            ["finish_reason"] = "stop",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 20, ["total_tokens"] = 30 },
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
