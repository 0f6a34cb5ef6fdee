using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CanaryService.Drill.Serving;

/// <summary>Answers the last user message of a chat request (the teacher, or a student).</summary>
internal interface IChatResponder
{
    /// <summary>The answer to <paramref name="prompt"/>, or null when the responder has nothing to say (a 404 model error).</summary>
    string? Respond(string prompt);

    /// <summary>
    /// The answer to <paramref name="prompt"/> without holding a thread while it comes (a model in another process); an
    /// in-process model answers at once.
    /// </summary>
    ValueTask<string?> RespondAsync(string prompt, CancellationToken cancellationToken) => ValueTask.FromResult(Respond(prompt));
}

/// <summary>
/// A minimal OpenAI-compatible chat completions endpoint (<c>POST /v1/chat/completions</c>, plain JSON and
/// server-sent events) on loopback Kestrel with a free port. The drill's teacher and students are served
/// through it, so the proxy and the probe runner talk to them exactly as they would to a real provider.
/// </summary>
internal sealed class ChatCompletionsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests;

    private ChatCompletionsServer(WebApplication app, string model)
    {
        _app = app;
        Model = model;
    }

    /// <summary>The model name it reports.</summary>
    public string Model { get; }

    /// <summary>The origin, e.g. <c>http://127.0.0.1:40123</c> (routes live under <c>/v1</c>).</summary>
    public Uri Origin { get; private set; } = null!;

    /// <summary>The OpenAI base URL (<see cref="Origin"/> + <c>/v1</c>).</summary>
    public Uri BaseUrl => new(Origin, "/v1/");

    /// <summary>Chat completion requests answered so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Starts the endpoint on 127.0.0.1 with a port the OS picks.</summary>
    public static async Task<ChatCompletionsServer> StartAsync(string model, IChatResponder responder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(responder);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var server = new ChatCompletionsServer(app, model);
        app.MapPost("/v1/chat/completions", (HttpContext context) => server.HandleAsync(context, responder));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Origin = new Uri(address);
        return server;
    }

    private async Task HandleAsync(HttpContext context, IChatResponder responder)
    {
        Interlocked.Increment(ref _requests);
        ChatRequest request;
        try
        {
            request = await ChatRequest.ReadAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ChatRequestException ex)
        {
            await WriteErrorAsync(context, 400, ex.Message, ex.Param, "invalid_request_error").ConfigureAwait(false);
            return;
        }

        string? answer = await responder.RespondAsync(request.Prompt, context.RequestAborted).ConfigureAwait(false);
        if (answer is null)
        {
            await WriteErrorAsync(context, 404, "The model has no answer for this prompt.", "messages", "not_found_error").ConfigureAwait(false);
            return;
        }

        string id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request.Stream)
        {
            await StreamAsync(context, id, created, answer).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        WriteHeader(json, id, "chat.completion", created);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        json.WriteString("content", answer);
        json.WriteNull("refusal");
        json.WriteEndObject();
        json.WriteString("finish_reason", "stop");
        json.WriteEndObject();
        json.WriteEndArray();
        int promptTokens = CountTokens(request.Prompt), completionTokens = CountTokens(answer);
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", promptTokens);
        json.WriteNumber("completion_tokens", completionTokens);
        json.WriteNumber("total_tokens", promptTokens + completionTokens);
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private async Task StreamAsync(HttpContext context, string id, long created, string answer)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await WriteChunkAsync(context, id, created, role: "assistant", content: "", finish: null).ConfigureAwait(false);
        foreach (string piece in SplitIntoDeltas(answer))
        {
            await WriteChunkAsync(context, id, created, role: null, content: piece, finish: null).ConfigureAwait(false);
        }

        await WriteChunkAsync(context, id, created, role: null, content: null, finish: "stop").ConfigureAwait(false);
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WriteChunkAsync(HttpContext context, string id, long created, string? role, string? content, string? finish)
    {
        var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteHeader(json, id, "chat.completion.chunk", created);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("delta");
            if (role is not null)
            {
                json.WriteString("role", role);
            }

            if (content is not null)
            {
                json.WriteString("content", content);
            }

            json.WriteEndObject();
            if (finish is null)
            {
                json.WriteNull("finish_reason");
            }
            else
            {
                json.WriteString("finish_reason", finish);
            }

            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        await context.Response.WriteAsync("data: " + Encoding.UTF8.GetString(buffer.ToArray()) + "\n\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private void WriteHeader(Utf8JsonWriter json, string id, string kind, long created)
    {
        json.WriteString("id", id);
        json.WriteString("object", kind);
        json.WriteNumber("created", created);
        json.WriteString("model", Model);
        json.WriteString("system_fingerprint", "fp_drill");
    }

    /// <summary>Splits text into token-like deltas of a few characters, cutting inside words the way real streams do.</summary>
    internal static IEnumerable<string> SplitIntoDeltas(string text)
    {
        int start = 0;
        while (start < text.Length)
        {
            int length = Math.Min(text.Length - start, 3 + (start * 7 % 5));
            if (char.IsHighSurrogate(text[start + length - 1]) && start + length < text.Length)
            {
                length++;
            }

            yield return text.Substring(start, length);
            start += length;
        }
    }

    private static int CountTokens(string text) => Math.Max(1, text.Length / 4);

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, string? param, string type)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", message);
        json.WriteString("type", type);
        if (param is null)
        {
            json.WriteNull("param");
        }
        else
        {
            json.WriteString("param", param);
        }

        json.WriteString("code", status.ToString(CultureInfo.InvariantCulture));
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
