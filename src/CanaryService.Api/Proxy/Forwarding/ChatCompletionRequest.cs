using System.Text;
using System.Text.Json;

namespace CanaryService.Api.Proxy.Forwarding;

/// <summary>What the proxy needs to know about a chat-completion request before forwarding it.</summary>
/// <param name="Stream">The caller asked for server-sent events.</param>
/// <param name="StructuredOutput">The caller asked for JSON (<c>response_format</c> <c>json_object</c> or <c>json_schema</c>): the answer is never marked.</param>
/// <param name="PromptText">The text of the last user message (the question whose topic the marking uses).</param>
internal sealed record ChatCompletionRequest(bool Stream, bool StructuredOutput, string PromptText)
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Reads the request; null with <paramref name="error"/> set when the body is not a JSON object.</summary>
    public static ChatCompletionRequest? TryParse(ReadOnlyMemory<byte> body, out string? error)
    {
        // The JSON reader does not check the bytes inside strings; the upstream (and the marker) need valid text.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            error = "The request body is not valid UTF-8.";
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException exception)
        {
            // The reader's message names the line and byte position only, never the content.
            error = "We could not parse the JSON body of your request. " + exception.Message;
            return null;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "The request body must be a JSON object.";
                return null;
            }

            error = null;
            bool stream = root.TryGetProperty("stream", out JsonElement streamValue) && streamValue.ValueKind == JsonValueKind.True;
            bool structured = root.TryGetProperty("response_format", out JsonElement format)
                && format.ValueKind == JsonValueKind.Object
                && format.TryGetProperty("type", out JsonElement type)
                && type.ValueKind == JsonValueKind.String
                && (type.ValueEquals("json_object") || type.ValueEquals("json_schema"));
            string prompt;
            try
            {
                prompt = LastUserText(root);
            }
            catch (InvalidOperationException)
            {
                // A string with a lone surrogate escape cannot be decoded: the upstream judges the request, and the
                // answer is marked without a topic (as the rewriters pass such strings on as they are).
                prompt = "";
            }

            return new ChatCompletionRequest(stream, structured, prompt);
        }
    }

    private static string LastUserText(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out JsonElement messages) || messages.ValueKind != JsonValueKind.Array)
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
