using System.Globalization;
using CanaryService.Core.ChatClients;
using CanaryService.Core.Issuance;
using CanaryService.Testing;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace CanaryService.Application.Tests.Proxy.Integration;

/// <summary>The <c>Canary</c> settings, configured once, reach both ways of marking: the proxy and <c>UseCanaries()</c>.</summary>
[Trait("Category", "Integration")]
[Collection(ProxyStorageCollection.Name)]
public sealed class CanarySettingsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    // Over forty words: a shorter output takes no closing.
    private const string Answer = "Start from the number of cores on the replica, not from the number of clients that connect to it. " +
        "Pools that are too large usually hurt, because every idle connection holds memory and every busy one competes for the same disks.\n\n"
        + "Measure the wait time under load, and grow the pool only while it falls.";

    private FakeOpenAiServer _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Configured_phrase_rate_decoys_and_epoch_format_reach_the_proxys_marker_and_UseCanaries()
    {
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress,
        [
            new("Canary:PhraseRate", "1"),
            new("Canary:PhraseDecoys", "120"),
            new("Canary:EpochFormat", "yyyy.MM"),
        ]);
        _upstream.Handler = (context, _) => ChatAnswers.WriteCompletionAsync(context.Response, Answer);
        ICanaryRegistry registry = service.Services.GetRequiredService<ICanaryRegistry>();
        string epoch = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy.MM", CultureInfo.InvariantCulture);

        // The proxy: with a rate of 1 the answer carries a canary, registered under the configured epoch with D + 1 phrasings.
        ChatCompletion proxied = await service.Client("sk-settings-0001").CompleteChatAsync(
            [new UserChatMessage("How should I size PostgreSQL connection pools for PostgreSQL read replicas?")]);
        CanaryRecord first = Assert.Single(await registry.ListAsync().ToListAsync());
        Assert.Equal((epoch, 121), (first.Epoch, first.Candidates.Count));
        Assert.Contains(first.Candidates, c => proxied.Content[0].Text.Contains(c, StringComparison.Ordinal));

        // UseCanaries() over the same services: another topic, the same settings.
        using IChatClient client = new FixedAnswerChatClient(Answer).AsBuilder().UseCanaries().Build(service.Services);
        ChatResponse marked = await client.GetResponseAsync(
            [new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, "How should I structure unit tests for a payment service?")],
            new ChatOptions { AdditionalProperties = new() { [CanaryChatClient.AccountPropertyName] = "acct-settings" } });
        CanaryRecord second = Assert.Single(await registry.ListAsync().ToListAsync(), r => r.Topic != first.Topic);
        Assert.Equal((epoch, 121), (second.Epoch, second.Candidates.Count));
        Assert.Contains(second.Candidates, c => marked.Text.Contains(c, StringComparison.Ordinal));
    }

    /// <summary>Stands in for a model behind <c>UseCanaries()</c>: always the same answer.</summary>
    private sealed class FixedAnswerChatClient(string answer) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new Microsoft.Extensions.AI.ChatMessage(ChatRole.Assistant, answer)));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The test asks for whole answers only.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
