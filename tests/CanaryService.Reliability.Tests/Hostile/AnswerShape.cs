using System.Text.Json;
using CanaryService.Reliability.Tests.Infrastructure;

namespace CanaryService.Reliability.Tests.Hostile;

/// <summary>Checks, independently of the product's parsers, that a reply is a well-formed OpenAI answer or error.</summary>
internal static class AnswerShape
{
    /// <summary>An OpenAI-shaped error: <c>{"error":{"message":string,"type":string,...}}</c>.</summary>
    public static void AssertOpenAIError(Reply reply)
    {
        Assert.True(reply.MediaType == "application/json", $"an error must be JSON: {reply}");
        using JsonDocument error = JsonDocument.Parse(reply.Body);
        JsonElement inner = error.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(inner.GetProperty("message").GetString()), reply.ToString());
        Assert.False(string.IsNullOrWhiteSpace(inner.GetProperty("type").GetString()), reply.ToString());
    }

    /// <summary>A 200 completion or event stream; returns the number of choices and the text of choice 0.</summary>
    public static (int Choices, string Text) AssertAnswer(Reply reply)
    {
        Assert.True(reply.Status == 200, reply.ToString());
        return reply.MediaType == "text/event-stream" ? AssertStream(reply.Body) : AssertCompletion(reply.Body);
    }

    public static (int Choices, string Text) AssertCompletion(string body)
    {
        using JsonDocument completion = JsonDocument.Parse(body);
        JsonElement choices = completion.RootElement.GetProperty("choices");
        Assert.True(choices.GetArrayLength() > 0, body);
        foreach (JsonElement choice in choices.EnumerateArray())
        {
            Assert.Equal(JsonValueKind.String, choice.GetProperty("message").GetProperty("content").ValueKind);
        }

        return (choices.GetArrayLength(), Text(choices[0].GetProperty("message").GetProperty("content")));
    }

    /// <summary>Every event's data is a JSON object or <c>[DONE]</c>; <c>[DONE]</c> comes once, last.</summary>
    public static (int Choices, string Text) AssertStream(string body)
    {
        string normalized = body.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        Assert.EndsWith("\n\n", normalized, StringComparison.Ordinal);
        string[] events = normalized[..^2].Split("\n\n");
        var indexes = new HashSet<int>();
        var text = new System.Text.StringBuilder();
        for (int e = 0; e < events.Length; e++)
        {
            string data = string.Join("\n", events[e].Split('\n')
                .Where(l => l.StartsWith("data:", StringComparison.Ordinal))
                .Select(l => l.Length > 5 && l[5] == ' ' ? l[6..] : l[5..]));
            if (data == "[DONE]")
            {
                Assert.True(e == events.Length - 1, $"[DONE] at event {e} of {events.Length}");
                return (indexes.Count, text.ToString());
            }

            using JsonDocument chunk = JsonDocument.Parse(data);
            foreach (JsonElement choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                int index = choice.GetProperty("index").GetInt32();
                indexes.Add(index);
                if (index == 0 && choice.GetProperty("delta").TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String)
                {
                    text.Append(Text(content));
                }
            }
        }

        Assert.Fail("the stream never sent [DONE]");
        return default;
    }

    // A string that may hold a lone surrogate escape, which GetString refuses: its raw token then stands for it.
    private static string Text(JsonElement value)
    {
        try
        {
            return value.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            return value.GetRawText();
        }
    }
}
