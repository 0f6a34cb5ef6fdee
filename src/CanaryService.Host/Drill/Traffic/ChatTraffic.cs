using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using OpenAI;
using OpenAI.Chat;

namespace CanaryService.Host.Drill.Traffic;

/// <summary>One prompt an account sends, and whether it asks for a streamed answer.</summary>
internal sealed record TrafficRequest(string Prompt, bool Stream);

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

    /// <summary>Creates a caller of <paramref name="baseUrl"/>, as <paramref name="account"/> when given.</summary>
    public ChatTraffic(Uri baseUrl, string? account)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        if (account is not null)
        {
            _http.DefaultRequestHeaders.Add(DrillService.AccountHeader, account);
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
            string answer = request.Stream ? await StreamAsync(request.Prompt, ct).ConfigureAwait(false) : await CompleteAsync(request.Prompt, ct).ConfigureAwait(false);
            answers[i] = new TrafficAnswer(request.Prompt, answer);
        }).ConfigureAwait(false);
        return answers;
    }

    private async Task<string> CompleteAsync(string prompt, CancellationToken cancellationToken)
    {
        ClientResult<ChatCompletion> result = await _client.CompleteChatAsync([new UserChatMessage(prompt)], cancellationToken: cancellationToken).ConfigureAwait(false);
        return string.Concat(result.Value.Content.Select(part => part.Text));
    }

    private async Task<string> StreamAsync(string prompt, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        await foreach (StreamingChatCompletionUpdate update in _client.CompleteChatStreamingAsync([new UserChatMessage(prompt)], cancellationToken: cancellationToken).ConfigureAwait(false))
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
