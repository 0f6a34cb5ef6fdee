using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Testing.Upstream;

/// <summary>What a scripted <see cref="FakeOpenAiServer"/> does with one request.</summary>
public abstract record FakeReply
{
    /// <summary>Answers <paramref name="Text"/> in the shape of the surface asked, streamed when the request asked for a stream.</summary>
    public sealed record Answer(string Text) : FakeReply;

    /// <summary>An OpenAI-shaped error with this HTTP status.</summary>
    public sealed record Status(int Code) : FakeReply;

    /// <summary>Never answers (until the client gives up).</summary>
    public sealed record Hang : FakeReply;

    /// <summary>HTTP 200 with a body that is not what the surface answers.</summary>
    public sealed record Garbage : FakeReply;

    /// <summary>Starts streaming <paramref name="Text"/> as a chat completion and drops the connection after its first <paramref name="Deltas"/> deltas, with no <c>[DONE]</c>.</summary>
    public sealed record Cut(string Text, int Deltas) : FakeReply;
}

/// <summary>Writes <see cref="FakeReply"/>s the way the OpenAI API answers each surface.</summary>
public static class FakeReplies
{
    /// <summary>The key under which the server leaves the request's 0-based arrival number in <see cref="HttpContext.Items"/>.</summary>
    public const string IndexKey = "fake-openai-index";

    /// <summary>
    /// The prompt of a request: the chat messages' contents joined by new lines, a Responses request's <c>input</c>, or a
    /// legacy completion's <c>prompt</c>; empty when the body is not JSON.
    /// </summary>
    public static string PromptOf(ReceivedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        JsonNode? body = ParseOrNull(request.Body);
        if (body is not JsonObject json)
        {
            return "";
        }

        if (json["messages"] is JsonArray messages)
        {
            return string.Join("\n", messages.Select(m => m?["content"]?.ToString()));
        }

        if (json["input"] is JsonArray items)
        {
            // Responses input items: a message's content is a string or a list of parts with text.
            return string.Join("\n", items.Select(i => i?["content"] switch
            {
                JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.ToString())),
                JsonNode content => content.ToString(),
                null => "",
            }));
        }

        return (json["input"] ?? json["prompt"])?.ToString() ?? "";
    }

    /// <summary>Asks <paramref name="behaviour"/> for the reply to <paramref name="request"/> and writes it.</summary>
    public static async Task WriteAsync(HttpContext context, ReceivedRequest request, Func<string, int, Task<FakeReply>> behaviour)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(behaviour);
        int index = context.Items[IndexKey] is int i ? i : 0;
        FakeReply reply = await behaviour(PromptOf(request), index);
        JsonObject? body = ParseOrNull(request.Body) as JsonObject;
        string model = body?["model"]?.ToString() ?? "gpt-test";
        bool stream = body?["stream"]?.GetValueKind() == JsonValueKind.True;
        string path = context.Request.Path.Value ?? "";
        CancellationToken aborted = context.RequestAborted;
        switch (reply)
        {
            case FakeReply.Answer answer when path.EndsWith("/responses", StringComparison.Ordinal):
                await WriteTextAsync(context.Response, stream, stream ? SurfaceAnswers.ResponseStream(Deltas(answer.Text)) : SurfaceAnswers.Response(answer.Text), aborted);
                break;
            case FakeReply.Answer answer when path.EndsWith("/completions", StringComparison.Ordinal) && !path.EndsWith("/chat/completions", StringComparison.Ordinal):
                await WriteTextAsync(context.Response, stream, stream ? SurfaceAnswers.CompletionStream(Deltas(answer.Text)) : SurfaceAnswers.Completion(answer.Text), aborted);
                break;
            case FakeReply.Answer answer:
                await WriteTextAsync(context.Response, stream, stream ? ChatAnswers.Stream(Deltas(answer.Text)) : ChatCompletion(model, answer.Text), aborted);
                break;
            case FakeReply.Status status:
                context.Response.StatusCode = status.Code;
                await context.Response.WriteAsJsonAsync(new { error = new { message = "fake failure", type = "server_error", param = (string?)null, code = (string?)null } }, aborted);
                break;
            case FakeReply.Hang:
                await Task.Delay(Timeout.Infinite, aborted);
                break;
            case FakeReply.Garbage:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("<html>this is not json {{{", aborted);
                break;
            case FakeReply.Cut cut:
                string sse = ChatAnswers.Stream(Deltas(cut.Text));
                string[] events = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
                await WriteTextAsync(context.Response, true, string.Concat(events.Take(1 + cut.Deltas).Select(e => e + "\n\n")), aborted);
                // A reset discards what the client has not read yet: give the flushed deltas time to arrive first.
                await Task.Delay(TimeSpan.FromMilliseconds(200), aborted);
                context.Abort();
                break;
            default:
                throw new InvalidOperationException("Unknown reply " + reply);
        }
    }

    /// <summary>Splits text into deltas of up to four characters, never inside a surrogate pair (the same cut for the same text).</summary>
    public static IReadOnlyList<string> Deltas(string text) => ChatAnswers.Split(text, new Random(text.Length), maxLength: 4);

    private static async Task WriteTextAsync(HttpResponse response, bool stream, string text, CancellationToken cancellationToken)
    {
        response.StatusCode = 200;
        response.ContentType = stream ? "text/event-stream" : "application/json";
        if (stream)
        {
            response.Headers.CacheControl = "no-cache";
        }

        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static string ChatCompletion(string model, string text) => new JsonObject
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
    }.ToJsonString();

    private static JsonNode? ParseOrNull(byte[] body)
    {
        try
        {
            return body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
