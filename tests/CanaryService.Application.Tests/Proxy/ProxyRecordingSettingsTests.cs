using System.Net.Http.Json;
using System.Text.Json;
using System.Security.Cryptography;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Storage;
using CanaryService.Testing.InMemory;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Proxy;

/// <summary>
/// <c>Proxy:RecordTraffic</c> and <c>Proxy:SamplePrompts</c> turn off what the proxy keeps about a request beyond its
/// issuance, each on its own; the answer is marked and issued either way.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProxyRecordingSettingsTests
{
    private const string Answer = "Moreover, many cafés usually open early; many café owners say naïve things, usually.";
    private const string Prompt = "When do cafés open in Lisbon?";
    private const string Account = "acct-recording";

    [Theory]
    [InlineData(null, null, true, true)]
    [InlineData("false", "false", false, false)]
    [InlineData("false", "true", false, true)]
    [InlineData("true", "false", true, false)]
    public async Task Traffic_features_and_prompt_samples_are_kept_only_when_their_setting_is_on(
        string? recordTraffic, string? samplePrompts, bool trafficKept, bool promptKept)
    {
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        upstream.Handler = (context, _) => ChatAnswers.WriteCompletionAsync(context.Response, Answer);
        var issuance = new InMemoryIssuanceLog();
        var traffic = new InMemoryTrafficLog(RandomNumberGenerator.GetBytes(32));
        using var prompts = new InMemoryPromptSampleLog(new StorageOptions(), RandomNumberGenerator.GetBytes(32));
        var settings = new Dictionary<string, string?>
        {
            ["Upstream:BaseUrl"] = upstream.BaseAddress.ToString(),
            ["Proxy:AccountHeader"] = "X-Account",
        };
        if (recordTraffic is not null)
        {
            settings["Proxy:RecordTraffic"] = recordTraffic;
        }

        if (samplePrompts is not null)
        {
            settings["Proxy:SamplePrompts"] = samplePrompts;
        }

        ProxyServer proxy = await ProxyServer.StartAsync(settings, services =>
        {
            // The engine itself: issuance and the prompt sample go to the request's account, issued now.
            services.AddSingleton(sp => new CanaryMarker(sp.GetRequiredService<CanaryKeyRing>(), new CanaryMarkerOptions(), new InMemoryCanaryRegistry(), TimeProvider.System));
            services.AddSingleton<IIssuanceLog>(issuance);
            services.AddSingleton<ITrafficLog>(traffic);
            services.AddSingleton<IPromptSampleLog>(prompts);
        });
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "gpt-test", messages = new[] { new { role = "user", content = Prompt } } }),
        };
        request.Headers.Add("X-Account", Account);
        using HttpResponseMessage response = await client.SendAsync(request);
        string content = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        ResponseMarking expected = await new CanaryMarker(proxy.Services.GetRequiredService<CanaryKeyRing>(), new CanaryMarkerOptions(), new InMemoryCanaryRegistry(), TimeProvider.System)
            .BeginAsync(new MarkingRequest(Account, Prompt));
        string marked = expected.MarkText(Answer, 0);
        await proxy.DisposeAsync(); // the host stops once the request has finished: its records are queued by then

        Assert.Equal(marked, content);
        AccountIssuance issued = Assert.Single(await issuance.QueryAsync(DateOnly.MinValue, DateOnly.MaxValue));
        Assert.Equal((Account, 1L), (issued.AccountId, issued.MarkedResponses));
        AccountProfile? profile = await traffic.GetProfileAsync(Account);
        Assert.Equal(trafficKept, profile is not null);
        IReadOnlyList<SampledPrompt> kept = await prompts.ReadAsync(Account, 10);
        Assert.Equal(promptKept ? [Prompt] : [], kept.Select(p => p.Prompt));
    }
}
