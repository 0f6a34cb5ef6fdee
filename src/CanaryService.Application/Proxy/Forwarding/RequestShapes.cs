using System.Text;
using System.Text.Json;

namespace CanaryService.Application.Proxy.Forwarding;

/// <summary>The <see cref="RequestShape"/> of each surface that takes a request body.</summary>
internal static class RequestShapes
{
    /// <summary>
    /// Chat completions: <c>response_format</c>, and the last user message of <c>messages</c>; stored only when
    /// <c>store</c> is true.
    /// </summary>
    public static RequestShape Chat { get; } = new(
        static root => MarkedRequest.IsJsonFormat(root, "response_format"),
        static root => LastUserText(root, "messages"),
        static root => root.TryGetProperty("store", out JsonElement store) && store.ValueKind == JsonValueKind.True);

    /// <summary>
    /// Legacy completions: <c>echo</c> puts the prompt in front of the answer, so such an answer passes unmarked (the
    /// caller's own words are not the model's); the prompt is <c>prompt</c> (a string, or the strings of an array).
    /// </summary>
    public static RequestShape Completion { get; } = new(
        static root => root.TryGetProperty("echo", out JsonElement echo) && echo.ValueKind == JsonValueKind.True,
        CompletionPrompt);

    /// <summary>
    /// The Responses API: <c>text.format</c> (<c>json_schema</c>, <c>json_object</c>), and the last user message of
    /// <c>input</c> (a string, or items whose content is a string or <c>input_text</c> parts); stored unless
    /// <c>store</c> is false (the API's default is to store).
    /// </summary>
    public static RequestShape Response { get; } = new(
        static root => root.TryGetProperty("text", out JsonElement text) && MarkedRequest.IsJsonFormat(text, "format"),
        static root => root.TryGetProperty("input", out JsonElement input) && input.ValueKind == JsonValueKind.String
            ? input.GetString() ?? ""
            : LastUserText(root, "input"),
        static root => !(root.TryGetProperty("store", out JsonElement store) && store.ValueKind == JsonValueKind.False));

    private static string CompletionPrompt(JsonElement root)
    {
        if (!root.TryGetProperty("prompt", out JsonElement prompt))
        {
            return "";
        }

        if (prompt.ValueKind == JsonValueKind.String)
        {
            return prompt.GetString() ?? "";
        }

        var text = new StringBuilder();
        if (prompt.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in prompt.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    text.Append(text.Length > 0 ? "\n" : "").Append(item.GetString());
                }
            }
        }

        return text.ToString();
    }

    private static string LastUserText(JsonElement root, string property)
    {
        if (!root.TryGetProperty(property, out JsonElement messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        JsonElement? last = null;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            if (message.ValueKind == JsonValueKind.Object
                && message.TryGetProperty("role", out JsonElement role)
                && role.ValueKind == JsonValueKind.String
                && role.ValueEquals("user"))
            {
                last = message;
            }
        }

        if (last is not { } user || !user.TryGetProperty("content", out JsonElement content))
        {
            return "";
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString() ?? "";
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (JsonElement part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object
                && part.TryGetProperty("text", out JsonElement partText)
                && partText.ValueKind == JsonValueKind.String)
            {
                if (text.Length > 0)
                {
                    text.Append('\n');
                }

                text.Append(partText.GetString());
            }
        }

        return text.ToString();
    }
}
