using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using OpenAI;
using OpenAI.Chat;

namespace CanaryService.Drill.Traffic;

/// <summary>One prompt an account sends, whether it asks for a streamed answer, and the conversation before it.</summary>
/// <param name="Prompt">The user message.</param>
/// <param name="Stream">Whether the answer is streamed.</param>
/// <param name="Earlier">The conversation so far, user and assistant messages alternating (empty: a single-turn request).</param>
internal sealed record TrafficRequest(string Prompt, bool Stream, IReadOnlyList<string>? Earlier = null);

/// <summary>One answer as the caller received it.</summary>
internal sealed record TrafficAnswer(string Prompt, string Answer);

/// <summary>
/// Sends chat requests the way an application would: with the official OpenAI .NET SDK, plain or streamed, several
/// in flight at once. As an account it goes through the proxy with its account header (set by the drill's "front
/// door"); without one it talks to the teacher directly (the unmarked answers the control learns from).
/// </summary>
internal sealed class ChatTraffic : IDisposable
{
    private const int Concurrency = 8;

    private readonly HttpClient _http;
    private readonly ChatClient _client;

    /// <summary>
    /// Creates a caller of <paramref name="baseUrl"/>, as <paramref name="account"/> when given, from
    /// <paramref name="clientAddress"/> when given (the front door's forwarded address).
    /// </summary>
    public ChatTraffic(Uri baseUrl, string? account, string? clientAddress = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        if (account is not null)
        {
            _http.DefaultRequestHeaders.Add(DrillService.AccountHeader, account);
        }

        if (clientAddress is not null)
        {
            _http.DefaultRequestHeaders.Add(DrillService.ClientAddressHeader, clientAddress);
        }

        _client = new ChatClient("teacher-large", new ApiKeyCredential("sk-drill-" + (account ?? "direct")), new OpenAIClientOptions
        {
            Endpoint = baseUrl,
            Transport = new HttpClientPipelineTransport(_http),
        });
    }

    /// <summary>Sends <paramref name="requests"/> and returns the answers in the same order.</summary>
    public async Task<IReadOnlyList<TrafficAnswer>> SendAsync(IReadOnlyList<TrafficRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var answers = new TrafficAnswer[requests.Count];
        await Parallel.ForAsync(0, requests.Count, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            TrafficRequest request = requests[i];
            ChatMessage[] messages = Messages(request);
            string answer = request.Stream ? await StreamAsync(messages, ct).ConfigureAwait(false) : await CompleteAsync(messages, ct).ConfigureAwait(false);
            answers[i] = new TrafficAnswer(request.Prompt, answer);
        }).ConfigureAwait(false);
        return answers;
    }

    private static ChatMessage[] Messages(TrafficRequest request) =>
    [
        .. (request.Earlier ?? []).Select((text, i) => i % 2 == 0 ? (ChatMessage)new UserChatMessage(text) : new AssistantChatMessage(text)),
        new UserChatMessage(request.Prompt),
    ];

    private async Task<string> CompleteAsync(ChatMessage[] messages, CancellationToken cancellationToken)
    {
        ClientResult<ChatCompletion> result = await _client.CompleteChatAsync(messages, cancellationToken: cancellationToken).ConfigureAwait(false);
        return string.Concat(result.Value.Content.Select(part => part.Text));
    }

    private async Task<string> StreamAsync(ChatMessage[] messages, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        await foreach (StreamingChatCompletionUpdate update in _client.CompleteChatStreamingAsync(messages, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        return text.ToString();
    }

    public void Dispose() => _http.Dispose();
}
