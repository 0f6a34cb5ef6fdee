using System.Text.Json.Nodes;
using CanaryService.Core.Lineage;
using CanaryService.Storage.Setup;
using CanaryService.Testing;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CanaryService.Host.Tests.Scheduling;

[Trait("Category", "Integration")]
[Collection(SchedulerStorageCollection.Name)]
public sealed class LineageSchedulingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Each_probe_tick_samples_the_lineage_prompts_even_when_a_competitor_is_unreachable()
    {
        await using FakeOpenAiServer reference = await FakeOpenAiServer.StartAsync();
        reference.Handler = (context, request) => ChatAnswers.WriteCompletionAsync(context.Response, "An answer to: " + PromptOf(request.Body));

        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(AzuriteFixture.IsolatedStorageSettings(azurite.ConnectionString));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Probe:Schedule"] = "* * * * * *",
            // Port 9 (discard) refuses connections on loopback: the competitor fails every tick, canary probe and lineage alike.
            ["Probe:Competitors:0:Name"] = "unreachable",
            ["Probe:Competitors:0:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["Probe:Competitors:0:Model"] = "m",
            ["Probe:Competitors:0:ApiKey"] = "sk-test",
            ["Probe:Competitors:0:MaxRequestsPerRun"] = "1",
            ["Probe:Competitors:0:MaxRetries"] = "0",
            ["Lineage:Container"] = AzuriteFixture.UniqueName("lineage"),
            ["Lineage:PromptsPerRun"] = "2",
            ["Lineage:References:0:Name"] = "family-ref",
            ["Lineage:References:0:BaseUrl"] = new Uri(reference.BaseAddress, "/v1").ToString(),
            ["Lineage:References:0:Model"] = "family-ref-7b",
            ["Lineage:References:0:ApiKey"] = "sk-ref",
            ["Lineage:References:0:MaxRetries"] = "0",
        });
        builder.Services.AddCanaryStorage(builder.Configuration);
        builder.Services.AddCanaryProbing(builder.Configuration);
        builder.Services.AddCanaryLineage(builder.Configuration);
        builder.Services.AddSingleton(new CanaryService.Core.Keys.CanaryKeyRing(CanaryService.Core.Keys.MasterKey.FromBase64(Convert.ToBase64String(new byte[32]))));
        builder.Services.AddCanaryProbeScheduler();
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            await host.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
            ILineageSampleStore samples = host.Services.GetRequiredService<ILineageSampleStore>();
            List<LineageSample> stored = [];
            using CancellationTokenSource deadline = new(TimeSpan.FromSeconds(30));
            while (stored.Count < 4 && !deadline.IsCancellationRequested)
            {
                await Task.Delay(250);
                stored = await samples.ReadAllAsync().ToListAsync();
            }

            // Two ticks at least, each going on from where the last stopped.
            Assert.True(stored.Count >= 4, $"{stored.Count} lineage sample(s) in 30 s on an every-second schedule.");
            Assert.All(stored, s => Assert.Equal("family-ref", s.Model));
            Assert.All(stored, s => Assert.Equal("An answer to: " + s.Prompt, s.Output));
            Assert.Equal(LineagePromptSet.Default.Prompts.Take(4), stored.Take(4).Select(s => s.Prompt));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static string PromptOf(byte[] body) =>
        JsonNode.Parse(body)!["messages"]![0]!["content"] switch
        {
            JsonArray parts => string.Concat(parts.Select(p => p!["text"]!.GetValue<string>())),
            JsonNode text => text.GetValue<string>(),
            null => "",
        };
}
