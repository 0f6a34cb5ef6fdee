using CanaryService.Application.Probing;
using Microsoft.Extensions.AI;

namespace CanaryService.Application.Tests.Probing;

public sealed class RateLimitingChatClientTests
{
    [Theory]
    [InlineData(60_000)]
    [InlineData(100_000)]
    public async Task A_rate_the_validator_accepts_never_stalls_the_requests(int requestsPerMinute)
    {
        // Regression: above 60,000 per minute the replenishment period was under a millisecond, the timer behind it
        // truncated it to 0 (fire once), and every request after the first burst waited forever.
        using var client = new RateLimitingChatClient(new InstantClient(), concurrency: 2, requestsPerMinute);

        Task<ChatResponse>[] calls = [.. Enumerable.Range(0, 40).Select(_ => client.GetResponseAsync("q"))];
        ChatResponse[] responses = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(responses, r => Assert.Equal("ok", r.Text));
    }

    private sealed class InstantClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
