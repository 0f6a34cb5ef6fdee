using System.Text;
using System.Text.Json;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Reliability.Tests.Infrastructure;

/// <summary>
/// A fake model that answers with the last message's content, exactly as sent (its JSON string token is copied, so
/// escapes such as lone surrogates reach the proxy's rewriters unchanged), honouring <c>n</c> and <c>stream</c>;
/// it rejects what OpenAI would reject with an OpenAI-shaped 400, the way a strict upstream does.
/// </summary>
internal static class EchoUpstream
{
    public const string Id = "chatcmpl-echo";

    public static async Task HandleAsync(HttpContext context, ReceivedRequest request)
    {
        string? error = TryRead(request.Body, out string contentToken, out int n, out bool stream);
        if (error is not null)
        {
            await ChatAnswers.WriteJsonAsync(context.Response, 400,
                "{\"error\":{\"message\":" + JsonSerializer.Serialize(error) + ",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
            return;
        }

        if (!stream)
        {
            await ChatAnswers.WriteJsonAsync(context.Response, 200, Completion(contentToken, n));
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        foreach (string chunk in Chunks(contentToken, n))
        {
            await context.Response.WriteAsync(chunk);
            await context.Response.Body.FlushAsync();
        }
    }

    /// <summary>A completion whose every choice carries <paramref name="contentToken"/> (a JSON string token).</summary>
    public static string Completion(string contentToken, int n = 1)
    {
        var choices = new StringBuilder();
        for (int i = 0; i < n; i++)
        {
            choices.Append(i > 0 ? "," : "").Append("{\"index\":").Append(i)
                .Append(",\"message\":{\"role\":\"assistant\",\"content\":").Append(contentToken)
                .Append(",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}");
        }

        return "{\"id\":\"" + Id + "\",\"object\":\"chat.completion\",\"created\":1763850000,\"model\":\"echo\",\"choices\":[" + choices
            + "],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";
    }

    /// <summary>The SSE events of a streamed answer: the text in word-sized deltas per choice, finish, usage, [DONE].</summary>
    public static IEnumerable<string> Chunks(string contentToken, int n = 1)
    {
        List<string> deltas = DeltaTokens(contentToken);
        for (int i = 0; i < n; i++)
        {
            yield return Chunk(i, "{\"role\":\"assistant\",\"content\":\"\"}", null);
        }

        foreach (string delta in deltas)
        {
            for (int i = 0; i < n; i++)
            {
                yield return Chunk(i, "{\"content\":" + delta + "}", null);
            }
        }

        for (int i = 0; i < n; i++)
        {
            yield return Chunk(i, "{}", "stop");
        }

        yield return "data: {\"id\":\"" + Id + "\",\"object\":\"chat.completion.chunk\",\"created\":1763850000,\"model\":\"echo\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}\n\n";
        yield return "data: [DONE]\n\n";
    }

    private static string Chunk(int index, string delta, string? finish) =>
        "data: {\"id\":\"" + Id + "\",\"object\":\"chat.completion.chunk\",\"created\":1763850000,\"model\":\"echo\",\"choices\":[{\"index\":" + index
        + ",\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + (finish is null ? "null" : "\"" + finish + "\"") + "}]}\n\n";

    // Word-sized pieces when the text decodes; the raw token in one piece when it does not (e.g. a lone surrogate escape).
    private static List<string> DeltaTokens(string contentToken)
    {
        string text;
        try
        {
            text = JsonSerializer.Deserialize<string>(contentToken) ?? "";
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return [contentToken];
        }

        if (text.Contains('\uFFFD', StringComparison.Ordinal) || !Utf16Text.IsWellFormed(text))
        {
            return [contentToken];
        }

        var pieces = new List<string>();
        int start = 0;
        for (int i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || (text[i] == ' ' && i - start >= 3))
            {
                pieces.Add(JsonSerializer.Serialize(text[start..i]));
                start = i;
            }
        }

        return pieces;
    }

    private static string? TryRead(byte[] body, out string contentToken, out int n, out bool stream)
    {
        contentToken = "\"\"";
        n = 1;
        stream = false;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException)
        {
            return "invalid JSON";
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "body must be an object";
            }

            if (root.TryGetProperty("n", out JsonElement nValue))
            {
                if (nValue.ValueKind != JsonValueKind.Number || !nValue.TryGetInt32(out n) || n < 1 || n > 128)
                {
                    return "n must be an integer from 1 to 128";
                }
            }

            stream = root.TryGetProperty("stream", out JsonElement s) && s.ValueKind == JsonValueKind.True;
            if (!root.TryGetProperty("messages", out JsonElement messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            {
                return "messages must be a non-empty array";
            }

            JsonElement last = messages[messages.GetArrayLength() - 1];
            if (last.ValueKind != JsonValueKind.Object || !last.TryGetProperty("content", out JsonElement content))
            {
                return "each message needs a content";
            }

            if (content.ValueKind == JsonValueKind.String)
            {
                contentToken = content.GetRawText();
                return null;
            }

            if (content.ValueKind == JsonValueKind.Array)
            {
                var tokens = content.EnumerateArray()
                    .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out JsonElement t) && t.ValueKind == JsonValueKind.String)
                    .Select(p => p.GetProperty("text").GetRawText()[1..^1]);
                contentToken = "\"" + string.Join("\\n", tokens) + "\"";
                return null;
            }

            return "content must be a string or an array of parts";
        }
    }
}
