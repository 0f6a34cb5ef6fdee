using System.Text;
using System.Text.Json;

namespace CanaryService.Drill.Serving;

/// <summary>The parts of an OpenAI chat completion request the drill's models read.</summary>
/// <param name="Prompt">The last user message's text.</param>
/// <param name="Stream">Whether the caller asked for server-sent events.</param>
internal sealed record ChatRequest(string Prompt, bool Stream)
{
    private const int MaxBodyBytes = 1 << 20;

    /// <summary>Reads and validates the request body.</summary>
    /// <exception cref="ChatRequestException">The body is not a valid chat completion request.</exception>
    public static async Task<ChatRequest> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new ChatRequestException("The request body is too large.", null);
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            throw new ChatRequestException("The request body is not valid JSON.", null);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("messages", out JsonElement messages)
                || messages.ValueKind != JsonValueKind.Array)
            {
                throw new ChatRequestException("'messages' must be an array of chat messages.", "messages");
            }

            string? prompt = null;
            foreach (JsonElement message in messages.EnumerateArray())
            {
                if (message.ValueKind == JsonValueKind.Object
                    && message.TryGetProperty("role", out JsonElement role) && role.ValueEquals("user")
                    && message.TryGetProperty("content", out JsonElement content))
                {
                    prompt = ContentText(content);
                }
            }

            if (string.IsNullOrWhiteSpace(prompt))
            {
                throw new ChatRequestException("The request has no user message with text.", "messages");
            }

            bool stream = root.TryGetProperty("stream", out JsonElement s) && s.ValueKind == JsonValueKind.True;
            return new ChatRequest(prompt, stream);
        }
    }

    private static string? ContentText(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        // The array form: [{"type":"text","text":"..."}, ...].
        var text = new StringBuilder();
        foreach (JsonElement part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out JsonElement t) && t.ValueKind == JsonValueKind.String)
            {
                text.Append(t.GetString());
            }
        }

        return text.ToString();
    }
}

/// <summary>A chat request the drill's models cannot answer, with the parameter at fault.</summary>
internal sealed class ChatRequestException(string message, string? param) : Exception(message)
{
    public string? Param { get; } = param;
}
