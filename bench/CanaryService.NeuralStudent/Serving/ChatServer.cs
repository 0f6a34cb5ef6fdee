using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CanaryService.NeuralStudent.Serving;

/// <summary>
/// A minimal OpenAI-compatible endpoint on loopback: <c>POST /v1/chat/completions</c> (plain JSON, or one content
/// chunk as server-sent events when the caller streams) answering the last user message, and <c>GET /v1/models</c>.
/// Answers are sampled one at a time (the model is not thread-safe, and two cores gain nothing from more). The port is
/// held from the start, while the model trains, and every request is answered 503 until <see cref="Serve"/>.
/// </summary>
internal sealed class ChatServer(string model) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Func<string, string>? _answer;

    /// <summary>Starts answering with <paramref name="answer"/>.</summary>
    public void Serve(Func<string, string> answer) => _answer = answer;

    public async Task<WebApplication> StartAsync(int port, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        WebApplication app = builder.Build();
        app.MapGet("/v1/models", () => _answer is null
            ? Training()
            : Results.Json(new { @object = "list", data = new[] { new { id = model, @object = "model", owned_by = "drill" } } }));
        app.MapPost("/v1/chat/completions", HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return app;
    }

    private static IResult Training() =>
        Results.Json(new { error = new { message = "The model is still training.", type = "server_error", param = (string?)null, code = "503" } }, statusCode: 503);

    private async Task HandleAsync(HttpContext context)
    {
        if (_answer is not { } answer)
        {
            await Training().ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        string? prompt;
        bool stream;
        try
        {
            using JsonDocument document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
            (prompt, stream) = Read(document.RootElement);
        }
        catch (JsonException)
        {
            (prompt, stream) = (null, false);
        }

        if (string.IsNullOrWhiteSpace(prompt))
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "The request has no user message with text.", type = "invalid_request_error", param = "messages", code = "400" } }).ConfigureAwait(false);
            return;
        }

        string text;
        await _gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            text = answer(prompt);
        }
        finally
        {
            _gate.Release();
        }

        string id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (!stream)
        {
            await context.Response.WriteAsJsonAsync(new
            {
                id,
                @object = "chat.completion",
                created,
                model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
                usage = new { prompt_tokens = prompt.Length / 4, completion_tokens = text.Length / 4, total_tokens = (prompt.Length + text.Length) / 4 },
            }).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        var events = new StringBuilder();
        foreach (object chunk in new object[]
        {
            new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = (object)new { role = "assistant", content = text }, finish_reason = (string?)null } } },
            new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = (object)new { }, finish_reason = (string?)"stop" } } },
        })
        {
            events.Append("data: ").Append(JsonSerializer.Serialize(chunk)).Append("\n\n");
        }

        events.Append("data: [DONE]\n\n");
        await context.Response.WriteAsync(events.ToString(), context.RequestAborted).ConfigureAwait(false);
    }

    public void Dispose() => _gate.Dispose();

    private static (string? Prompt, bool Stream) Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("messages", out JsonElement messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return (null, false);
        }

        string? prompt = null;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            if (message.ValueKind == JsonValueKind.Object
                && message.TryGetProperty("role", out JsonElement role) && role.ValueEquals("user")
                && message.TryGetProperty("content", out JsonElement content))
            {
                prompt = content.ValueKind == JsonValueKind.String ? content.GetString()
                    : content.ValueKind == JsonValueKind.Array ? string.Concat(content.EnumerateArray()
                        .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out JsonElement t) && t.ValueKind == JsonValueKind.String)
                        .Select(p => p.GetProperty("text").GetString()))
                    : null;
            }
        }

        return (prompt, root.TryGetProperty("stream", out JsonElement s) && s.ValueKind == JsonValueKind.True);
    }
}
