using CanaryService.Core.Campaigns;
using CanaryService.Testing;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace CanaryService.Application.Tests.Proxy.Integration;

[Trait("Category", "Integration")]
[Collection(ProxyStorageCollection.Name)]
public sealed class PromptSampleProxyTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_prompts_behind_marked_answers_land_in_the_accounts_sample_under_its_hashed_id_and_structured_output_does_not()
    {
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        EngineMarks.Serve(upstream, EngineMarks.Answer, new Random(3));
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, upstream.BaseAddress,
            [new("Storage:PromptSampleFlushInterval", "00:00:00.050")]);
        const string Key = "sk-prompt-sample-caller-0001";
        ChatClient client = service.Client(Key);

        await client.CompleteChatAsync([new UserChatMessage("How do I repot a fern?")]);
        _ = await MarkingProxyIntegrationTests.StreamAsync(client, "When should I water orchids?");
        await client.CompleteChatAsync([new UserChatMessage("Give me JSON about cacti.")], new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() });

        IPromptSampleLog samples = service.Services.GetRequiredService<IPromptSampleLog>();
        await samples.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        string account = MarkingServiceHost.AccountOfKey(Key);
        IReadOnlyList<SampledPrompt> kept = await samples.ReadAsync(account, 100);
        Assert.Equal(["How do I repot a fern?", "When should I water orchids?"], kept.Select(p => p.Prompt).Order(StringComparer.Ordinal));
        Assert.All(kept, p => Assert.Equal(account, p.AccountId));

        // The raw API key is stored nowhere: not as a partition, not in any property.
        var table = new Azure.Data.Tables.TableClient(service.ConnectionString, service.Storage.PromptSampleTable);
        await foreach (Azure.Data.Tables.TableEntity row in table.QueryAsync<Azure.Data.Tables.TableEntity>())
        {
            Assert.DoesNotContain(row, p => p.Value?.ToString()?.Contains(Key, StringComparison.Ordinal) == true);
            Assert.StartsWith("key-", row.PartitionKey, StringComparison.Ordinal);
        }
    }
}
