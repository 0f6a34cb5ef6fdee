using System.Buffers;
using CanaryService.Application.Proxy.Forwarding;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Marking;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Application.Proxy.Surfaces;

/// <summary>
/// One API surface whose answers the proxy marks: its routes, what its request says (stream, structured output,
/// prompt), and how its answer is rewritten, whole and streamed. The Host maps <see cref="Routes"/>; the Functions app
/// has one trigger per route.
/// </summary>
public sealed class MarkedSurface
{
    // Shared by the surfaces that answer the same object (declared first: the surfaces below are built from them).
    private static readonly WholeBodyRewrite WholeChatCompletion =
        static (body, marking, output, marked) => Counted(ChatCompletionRewriter.Rewrite(body, ChoiceLayout.ChatMessage, marking, output), marked);

    private static readonly WholeBodyRewrite WholeResponse =
        static (body, marking, output, marked) => Counted(new ResponseBodyRewriter(ResponseTexts.Body).Rewrite(body, marking, output), marked);

    private static readonly Func<ResponseMarking, IStreamRewriter> ResponseEvents =
        static marking => new ResponseStreamRewriter(marking, ResponseTexts.Events);

    private readonly WholeBodyRewrite? _whole;
    private readonly Func<ResponseMarking, IStreamRewriter>? _events;
    private readonly string[] _wholeMediaTypes;

    private MarkedSurface(
        string name, string method, string[] routes, RequestShape? request, WholeBodyRewrite? whole,
        Func<ResponseMarking, IStreamRewriter>? events, string[]? wholeMediaTypes = null, StoredAnswerRole stored = StoredAnswerRole.None)
    {
        Name = name;
        Method = method;
        Routes = routes;
        Request = request;
        _whole = whole;
        _events = events;
        _wholeMediaTypes = wholeMediaTypes ?? ["application/json"];
        Stored = stored;
    }

    /// <summary>Chat completions: <c>choices[].message.content</c> and the reasoning trace beside it.</summary>
    public static MarkedSurface ChatCompletions { get; } = new(
        "chat completions", HttpMethods.Post,
        ["/v1/chat/completions", "/openai/deployments/{deployment}/chat/completions", "/openai/v1/chat/completions"],
        RequestShapes.Chat,
        WholeChatCompletion,
        static marking => new ChatCompletionStreamRewriter(marking, ChoiceLayout.ChatDelta),
        stored: StoredAnswerRole.Created);

    /// <summary>Legacy completions: <c>choices[].text</c>.</summary>
    public static MarkedSurface Completions { get; } = new(
        "completions", HttpMethods.Post,
        ["/v1/completions", "/openai/deployments/{deployment}/completions", "/openai/v1/completions"],
        RequestShapes.Completion,
        static (body, marking, output, marked) => Counted(ChatCompletionRewriter.Rewrite(body, ChoiceLayout.CompletionText, marking, output), marked),
        static marking => new ChatCompletionStreamRewriter(marking, ChoiceLayout.CompletionText));

    /// <summary>The Responses API: output text and reasoning summaries, whole and as typed events.</summary>
    public static MarkedSurface Responses { get; } = new(
        "responses", HttpMethods.Post,
        ["/v1/responses", "/openai/v1/responses", "/openai/responses"],
        RequestShapes.Response,
        WholeResponse,
        ResponseEvents,
        stored: StoredAnswerRole.Created);

    /// <summary>
    /// A stored response fetched again (whole, or replayed as events with <c>?stream=true</c>): marked as it was when
    /// created, so the copy a caller fetches reads as the one it was sent, with the phrase canary it carried then (from the
    /// <see cref="Core.Issuance.IStoredCanaryIndex"/>: a fetch has no prompt to draw one from).
    /// </summary>
    public static MarkedSurface StoredResponses { get; } = new(
        "stored responses", HttpMethods.Get,
        ["/v1/responses/{id}", "/openai/v1/responses/{id}", "/openai/responses/{id}"],
        null,
        WholeResponse,
        ResponseEvents,
        stored: StoredAnswerRole.Fetched);

    /// <summary>
    /// A stored chat completion fetched again (<c>store: true</c> at creation): marked as it was when created, as
    /// <see cref="StoredResponses"/>, with the phrase canary it carried then.
    /// </summary>
    public static MarkedSurface StoredChatCompletions { get; } = new(
        "stored chat completions", HttpMethods.Get,
        ["/v1/chat/completions/{id}", "/openai/v1/chat/completions/{id}"],
        null,
        WholeChatCompletion,
        null,
        stored: StoredAnswerRole.Fetched);

    /// <summary>
    /// A stored chat completion whose metadata is updated (<c>POST /v1/chat/completions/{id}</c>): the answer is the
    /// whole completion, so it is marked as <see cref="StoredChatCompletions"/>; the request body (the new metadata)
    /// passes as it came.
    /// </summary>
    public static MarkedSurface UpdatedChatCompletions { get; } = new(
        "updated chat completions", HttpMethods.Post,
        ["/v1/chat/completions/{id}", "/openai/v1/chat/completions/{id}"],
        null,
        WholeChatCompletion,
        null,
        stored: StoredAnswerRole.Fetched);

    /// <summary>
    /// The list of stored chat completions (<c>GET /v1/chat/completions</c>): every completion in it, each one issued
    /// response, with the phrase canary it carried when created. Listing is the cheapest way to harvest what an account
    /// stored, so it is marked like a batch file.
    /// </summary>
    public static MarkedSurface StoredChatCompletionLists { get; } = new(
        "stored chat completion lists", HttpMethods.Get,
        ["/v1/chat/completions", "/openai/v1/chat/completions"],
        null,
        static (body, marking, output, marked) => ChatCompletionListRewriter.Rewrite(body, marking, output, marked) >= 0,
        null,
        stored: StoredAnswerRole.Listed);

    /// <summary>Batch API output files (JSON lines): each line's chat completion or response, one issued response per line.</summary>
    public static MarkedSurface BatchOutputFiles { get; } = new(
        "batch output files", HttpMethods.Get,
        ["/v1/files/{id}/content", "/openai/v1/files/{id}/content", "/openai/files/{id}/content"],
        null,
        static (body, marking, output, marked) => new BatchOutputRewriter().Rewrite(body, marking, output, marked) >= 0,
        null,
        ["application/jsonl", "application/x-ndjson", "application/json", "application/octet-stream", "text/plain"]);

    /// <summary>Every marked surface.</summary>
    public static IReadOnlyList<MarkedSurface> All { get; } =
        [ChatCompletions, Completions, Responses, StoredResponses, StoredChatCompletions, UpdatedChatCompletions, StoredChatCompletionLists, BatchOutputFiles];

    /// <summary>A short name, for logs and documentation.</summary>
    public string Name { get; }

    /// <summary>The HTTP method of <see cref="Routes"/>.</summary>
    public string Method { get; }

    /// <summary>The route templates (ASP.NET Core syntax).</summary>
    public IReadOnlyList<string> Routes { get; }

    /// <summary>How the request body is read; null for a surface without one (a GET).</summary>
    internal RequestShape? Request { get; }

    /// <summary>Whether this surface creates answers the provider may store, or fetches a stored one by its id.</summary>
    internal StoredAnswerRole Stored { get; }

    /// <summary>
    /// The id of the stored answer a <see cref="StoredAnswerRole.Fetched"/> surface's request names: the last segment of
    /// its path (every such route ends in <c>{id}</c>); null when there is none.
    /// </summary>
    internal static string? StoredAnswerIdOf(PathString path)
    {
        string? value = path.Value;
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        string segment = value.TrimEnd('/');
        segment = segment[(segment.LastIndexOf('/') + 1)..];
        return segment.Length == 0 ? null : Uri.UnescapeDataString(segment);
    }

    /// <summary>True when this surface marks an answer of media type <paramref name="mediaType"/>.</summary>
    internal bool Marks(string? mediaType) =>
        mediaType is not null
        && ((_events is not null && string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            || (_whole is not null && _wholeMediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase)));

    /// <summary>
    /// The body that rewrites an answer of media type <paramref name="mediaType"/>, put in place of the response body;
    /// null when this surface does not mark such an answer (it then passes through).
    /// </summary>
    internal RewritingResponseBody? CreateBody(
        HttpResponse response, string? mediaType, ResponseMarking marking, int limit, bool findAnswerId = false,
        IReadOnlyDictionary<string, ResponseMarking?>? requestMarkings = null, StoredAnswerLookup? storedLookup = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (_events is not null && string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return new StreamingCompletionBody(response, _events(marking), findAnswerId ? marking : null);
        }

        if (_whole is not null && mediaType is not null && _wholeMediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
        {
            AnswerMarkingLookup? lookup = Stored == StoredAnswerRole.Listed && storedLookup is not null
                ? (body, cancellationToken) => storedLookup(ChatCompletionListRewriter.AnswerIdsOf(body.Span), cancellationToken)
                : null;
            return new CompletionBody(response, marking, limit, _whole, findAnswerId, requestMarkings, lookup);
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>One answer: its marked choices go on record when there were any; false when it was not rewritten.</summary>
    private static bool Counted(int markedChoices, MarkedAnswers marked)
    {
        marked.Add(markedChoices);
        return markedChoices >= 0;
    }
}

/// <summary>A surface's part in stored answers (a response or chat completion the provider keeps, fetched again by id).</summary>
internal enum StoredAnswerRole
{
    /// <summary>Its answers are never fetched again by id.</summary>
    None,

    /// <summary>It creates answers that the provider stores when the request says so (<see cref="MarkedRequest.Store"/>).</summary>
    Created,

    /// <summary>It answers with a stored answer named by the last segment of its path.</summary>
    Fetched,

    /// <summary>It answers with a list of stored answers, each named by its <c>id</c>.</summary>
    Listed,
}

/// <summary>
/// Rewrites a whole answer into <paramref name="output"/>, adding the marked choices of each answer it holds (one, or one
/// per line of a batch file) to <paramref name="markedResponses"/>; false, with nothing written, to pass it on as it came.
/// </summary>
internal delegate bool WholeBodyRewrite(ReadOnlySpan<byte> body, ResponseMarking marking, IBufferWriter<byte> output, MarkedAnswers markedResponses);
