using System.Net.Http.Headers;
using System.Text;
using CanaryService.Reliability.Tests.Infrastructure;

namespace CanaryService.Reliability.Tests.Hostile;

/// <summary>What a hostile request must get back.</summary>
internal enum Expect
{
    /// <summary>A 4xx with an OpenAI-shaped error body.</summary>
    ClientError,

    /// <summary>A 4xx that the HTTP server itself sends for a request that breaks the protocol (before any route runs); the body may be empty.</summary>
    ProtocolError,

    /// <summary>A correct answer: 200 with a well-formed completion or event stream.</summary>
    Answer,

    /// <summary>Either of the above: the upstream decides (the proxy passes its verdict through).</summary>
    AnswerOrClientError,
}

/// <summary>One hostile request: how to send it and what it must get back.</summary>
internal sealed record HostileCase(string Name, Expect Expect, Func<ReliabilityHost, TimeSpan, Task<Reply>> Send, int? Status = null)
{
    public static HostileCase Chat(string name, Expect expect, string json, int? status = null, string path = "v1/chat/completions") =>
        new(name, expect, (host, timeout) => host.SendAsync(ReliabilityHost.Chat(json, name, path), timeout), status);

    public static HostileCase Bytes(string name, Expect expect, byte[] body, string? contentType = "application/json", int? status = null) =>
        new(name, expect, (host, timeout) =>
        {
            HttpRequestMessage request = ReliabilityHost.Chat("", name);
            var content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            request.Content = content;
            return host.SendAsync(request, timeout);
        }, status);

    public static HostileCase Raw(string name, Expect expect, string head, byte[]? body = null, int? status = null) =>
        new(name, expect, async (host, timeout) =>
        {
            Reply reply = await RawHttp.SendAsync(host.Port, head.Replace("{caller}", KnownSecrets.CallerKey(name), StringComparison.Ordinal), body, timeout);
            host.Record(reply.Headers + "\n" + reply.Body);
            return reply;
        }, status);

    public static HostileCase Request(string name, Expect expect, Func<HttpRequestMessage> create, int? status = null) =>
        new(name, expect, (host, timeout) => host.SendAsync(create(), timeout), status);

    public static string UserMessage(string content, string extra = "") =>
        "{\"model\":\"gpt-test\"" + extra + ",\"messages\":[{\"role\":\"user\",\"content\":" + System.Text.Json.JsonSerializer.Serialize(content) + "}]}";

    public static string Nested(char open, char close, int depth, string inner = "1")
    {
        var text = new StringBuilder(depth * 6 + inner.Length);
        for (int i = 0; i < depth; i++)
        {
            text.Append(open == '{' ? "{\"a\":" : "[");
        }

        text.Append(inner);
        text.Append(close, depth);
        return text.ToString();
    }

    public override string ToString() => Name;
}
