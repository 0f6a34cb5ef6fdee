using System.Text.Json;

namespace CanaryService.Application.Proxy.Forwarding;

/// <summary>What the proxy needs to know about a request to a marked surface before forwarding it.</summary>
/// <param name="Stream">The caller asked for server-sent events.</param>
/// <param name="StructuredOutput">
/// The answer is not prose to mark: structured output (JSON mode, a JSON schema), or a legacy completion that echoes the
/// prompt. It passes through untouched.
/// </param>
/// <param name="PromptText">The text of the last user message (the question whose topic the marking uses).</param>
internal sealed record MarkedRequest(bool Stream, bool StructuredOutput, string PromptText)
{
    /// <summary>Messages in the conversation sent (1 for a single prompt).</summary>
    public int Turns { get; init; } = 1;

    /// <summary>The caller asked for more than one choice (<c>n &gt; 1</c>).</summary>
    public bool MultipleChoices { get; init; }

    /// <summary>The caller asked for reasoning (<c>reasoning_effort</c>, or a <c>reasoning</c> object).</summary>
    public bool Reasoning { get; init; }

    /// <summary>The provider keeps the answer to be fetched again by its id (<c>store</c>, as the surface reads it).</summary>
    public bool Store { get; init; }

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>A request without a body (a GET of a stored answer): no stream asked for, no prompt known.</summary>
    public static MarkedRequest WithoutBody { get; } = new(false, false, "");

    /// <summary>
    /// Reads the request with <paramref name="shape"/> (which knows the surface's fields); null with <paramref name="error"/>
    /// set when the body is not a JSON object.
    /// </summary>
    public static MarkedRequest? TryParse(ReadOnlyMemory<byte> body, RequestShape shape, out string? error)
    {
        ArgumentNullException.ThrowIfNull(shape);

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
            bool structured = shape.IsStructured(root);
            string prompt;
            try
            {
                prompt = shape.PromptOf(root);
            }
            catch (InvalidOperationException)
            {
                // A string with a lone surrogate escape cannot be decoded: the upstream judges the request, and the
                // answer is marked without a topic (as the rewriters pass such strings on as they are).
                prompt = "";
            }

            return new MarkedRequest(stream, structured, prompt)
            {
                Turns = CountTurns(root),
                MultipleChoices = root.TryGetProperty("n", out JsonElement n) && n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out int choices) && choices > 1,
                Reasoning = root.TryGetProperty("reasoning_effort", out _) || (root.TryGetProperty("reasoning", out JsonElement reasoning) && reasoning.ValueKind == JsonValueKind.Object),
                Store = shape.Stores?.Invoke(root) ?? false,
            };
        }
    }

    /// <summary>The length of <c>messages</c> (chat) or of an <c>input</c> array (responses); 1 otherwise.</summary>
    private static int CountTurns(JsonElement root)
    {
        JsonElement conversation = root.TryGetProperty("messages", out JsonElement messages) ? messages
            : root.TryGetProperty("input", out JsonElement input) ? input
            : default;
        return conversation.ValueKind == JsonValueKind.Array ? Math.Max(1, conversation.GetArrayLength()) : 1;
    }

    /// <summary>The object property <paramref name="name"/> has a <c>type</c> of <c>json_object</c> or <c>json_schema</c>.</summary>
    internal static bool IsJsonFormat(JsonElement holder, string name) =>
        holder.ValueKind == JsonValueKind.Object
        && holder.TryGetProperty(name, out JsonElement format)
        && format.ValueKind == JsonValueKind.Object
        && format.TryGetProperty("type", out JsonElement type)
        && type.ValueKind == JsonValueKind.String
        && (type.ValueEquals("json_object") || type.ValueEquals("json_schema"));
}

/// <summary>
/// What a surface's request says about its answer: whether it is structured (never marked), the prompt whose topic
/// the phrase canary uses, and whether the provider stores the answer (null: a surface that stores none). Each reads only
/// documented fields and gives "no" and "" for anything else.
/// </summary>
internal sealed record RequestShape(Func<JsonElement, bool> IsStructured, Func<JsonElement, string> PromptOf, Func<JsonElement, bool>? Stores = null);
