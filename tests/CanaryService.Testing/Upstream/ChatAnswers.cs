using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Testing.Upstream;

/// <summary>OpenAI-shaped answers, built the way the OpenAI API writes them.</summary>
public static class ChatAnswers
{
    /// <summary>A chat completion JSON with one choice per text (n &gt; 1 when several).</summary>
    public static string Completion(params string[] texts)
    {
        var choices = new StringBuilder();
        for (int i = 0; i < texts.Length; i++)
        {
            if (i > 0)
            {
                choices.Append(',');
            }

            choices.Append("{\"index\":").Append(i)
                .Append(",\"message\":{\"role\":\"assistant\",\"content\":").Append(JsonSerializer.Serialize(texts[i]))
                .Append(",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}");
        }

        return "{\"id\":\"chatcmpl-test1\",\"object\":\"chat.completion\",\"created\":1763850000,\"model\":\"gpt-test\",\"choices\":["
            + choices + "],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34,\"total_tokens\":46},\"system_fingerprint\":\"fp_test\"}";
    }

    /// <summary>Writes a completion with status 200.</summary>
    public static Task WriteCompletionAsync(HttpResponse response, params string[] texts) => WriteJsonAsync(response, 200, Completion(texts));

    /// <summary>Writes JSON with a status.</summary>
    public static async Task WriteJsonAsync(HttpResponse response, int status, string json)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes);
    }

    /// <summary>One streamed chunk (<c>data: {...}\n\n</c>) for one choice.</summary>
    public static string Chunk(int index, string deltaJson, string? finishReason = null) =>
        "data: {\"id\":\"chatcmpl-test1\",\"object\":\"chat.completion.chunk\",\"created\":1763850000,\"model\":\"gpt-test\",\"system_fingerprint\":\"fp_test\",\"choices\":[{\"index\":"
        + index + ",\"delta\":" + deltaJson + ",\"logprobs\":null,\"finish_reason\":"
        + (finishReason is null ? "null" : "\"" + finishReason + "\"") + "}]}\n\n";

    /// <summary>The SSE stream of a one-choice answer whose text arrives as <paramref name="deltas"/>, ending with usage and <c>[DONE]</c>.</summary>
    public static string Stream(IEnumerable<string> deltas)
    {
        var sse = new StringBuilder();
        sse.Append(Chunk(0, "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}"));
        foreach (string delta in deltas)
        {
            sse.Append(Chunk(0, "{\"content\":" + JsonSerializer.Serialize(delta) + "}"));
        }

        sse.Append(Chunk(0, "{}", "stop"));
        sse.Append("data: {\"id\":\"chatcmpl-test1\",\"object\":\"chat.completion.chunk\",\"created\":1763850000,\"model\":\"gpt-test\",\"system_fingerprint\":\"fp_test\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34,\"total_tokens\":46}}\n\n");
        sse.Append("data: [DONE]\n\n");
        return sse.ToString();
    }

    /// <summary>Splits <paramref name="text"/> into pieces of 1 to <paramref name="maxLength"/> characters (inside words too), never inside a surrogate pair.</summary>
    public static IReadOnlyList<string> Split(string text, Random random, int maxLength = 7)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(random);
        var pieces = new List<string>();
        int start = 0;
        while (start < text.Length)
        {
            int length = Math.Min(random.Next(1, maxLength + 1), text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length++;
            }

            pieces.Add(text.Substring(start, length));
            start += length;
        }

        return pieces;
    }

    /// <summary>Writes <paramref name="sse"/> as an event stream, its UTF-8 bytes cut into random slices (inside characters and line ends too), each flushed.</summary>
    public static async Task WriteEventStreamAsync(HttpResponse response, string sse, Random random, int maxSlice = 13)
    {
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        byte[] bytes = Encoding.UTF8.GetBytes(sse);
        int start = 0;
        while (start < bytes.Length)
        {
            int length = Math.Min(random.Next(1, maxSlice + 1), bytes.Length - start);
            await response.Body.WriteAsync(bytes.AsMemory(start, length));
            await response.Body.FlushAsync();
            start += length;
        }
    }
}
