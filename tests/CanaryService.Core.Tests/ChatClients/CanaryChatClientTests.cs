using System.Runtime.CompilerServices;
using System.Text;
using CanaryService.Core.ChatClients;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Core.Tests.Marking;
using Microsoft.Extensions.AI;

namespace CanaryService.Core.Tests.ChatClients;

public sealed class CanaryChatClientTests
{
    /// <summary>Stands in for the upstream model: always answers with the same text, streamed in 7-character pieces.</summary>
    private sealed class FixedTextChatClient(string answer) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)));

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            for (int i = 0; i < answer.Length; i += 7)
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, answer.Substring(i, Math.Min(7, answer.Length - i)));
            }

            yield return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private static readonly List<ChatMessage> Messages = [new(ChatRole.User, "How should I structure unit tests for a payment service?")];

    [Fact]
    public async Task Marks_non_streaming_and_streaming_answers_identically()
    {
        var master = MasterKey.Generate();
        var registry = new RecordingRegistry();
        var marker = new CanaryMarker(new CanaryKeyRing(master), new CanaryMarkerOptions { PhraseRate = 1 }, registry, TimeProvider.System);
        IChatClient client = new FixedTextChatClient(MarkingTexts.Answer).AsBuilder().UseCanaries(marker).Build();
        var options = new ChatOptions { AdditionalProperties = new() { [CanaryChatClient.AccountPropertyName] = "acct-9" } };

        ChatResponse response = await client.GetResponseAsync(Messages, options);
        var expected = (await marker.BeginAsync(new MarkingRequest("acct-9", Messages[0].Text))).MarkText(MarkingTexts.Answer, 0);
        Assert.Equal(expected, response.Text);
        Assert.NotEqual(MarkingTexts.Answer, response.Text);
        Assert.Contains(registry.Rows.Single().Candidates, c => response.Text.Contains(c, StringComparison.Ordinal));

        var streamed = new StringBuilder();
        bool finishSeen = false;
        await foreach (var update in client.GetStreamingResponseAsync(Messages, options))
        {
            Assert.False(finishSeen, "no text after the finishing update");
            streamed.Append(update.Text);
            finishSeen |= update.FinishReason is not null;
        }

        Assert.Equal(expected, streamed.ToString());
    }

    [Fact]
    public async Task Json_responses_pass_through()
    {
        var marker = new CanaryMarker(new CanaryKeyRing(MasterKey.Generate()), new CanaryMarkerOptions(), new RecordingRegistry(), TimeProvider.System);
        IChatClient client = new FixedTextChatClient(MarkingTexts.Answer).AsBuilder().UseCanaries(marker).Build();
        var response = await client.GetResponseAsync(Messages, new ChatOptions { ResponseFormat = ChatResponseFormat.Json });
        Assert.Equal(MarkingTexts.Answer, response.Text);
    }
}
