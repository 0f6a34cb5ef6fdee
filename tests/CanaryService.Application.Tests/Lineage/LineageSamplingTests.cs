using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using CanaryService.Application.Evidence;
using CanaryService.Application.Lineage.Sampling;
using CanaryService.Application.Tests.Evidence;
using CanaryService.Core.Lineage;
using CanaryService.Storage.Setup;
using CanaryService.Testing;
using CanaryService.Testing.Hosting;
using CanaryService.Testing.InMemory;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Tests.Lineage;

/// <summary>
/// Lineage sampling on a real host, against OpenAI-compatible fakes on loopback Kestrel reached through the real OpenAI
/// SDK: a competitor, reference models, and the provider's own model at its upstream. Storage is the in-memory fakes,
/// but for the run that resumes in a new process over the same storage (Azurite).
/// </summary>
[Trait("Category", "Integration")]
[Collection(ProbeStorageCollection.Name)]
public sealed class LineageSamplingTests(AzuriteFixture azurite)
{
    private const string AdminKey = "lineage-sampling-admin-key-0123";
    private const string UpstreamKey = "upstream-key-for-lineage-sampling";
    private static readonly IReadOnlyList<string> Prompts = LineagePromptSet.Default.Prompts;

    [Fact]
    public async Task A_tick_asks_every_model_the_next_prompts_stores_the_answers_and_the_next_tick_resumes_where_it_stopped()
    {
        // The own model's answers must be stored exactly as the upstream sent them: no proxy between, nothing rewritten.
        static string Own(string prompt) => "However, it is important to note the answer to: " + prompt;
        await using FakeOpenAiServer competitor = await FakeOpenAiServer.StartAsync((prompt, _) => new FakeReply.Answer("rival says: " + prompt));
        await using FakeOpenAiServer reference = await FakeOpenAiServer.StartAsync((prompt, _) => new FakeReply.Answer("reference says: " + prompt));
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        upstream.Handler = (context, request) => ChatAnswers.WriteCompletionAsync(context.Response, Own(PromptOf(request)));

        Dictionary<string, string?> settings = Settings(promptsPerRun: 5, azurite);
        AddEndpoint(settings, "Probe:Competitors:0", "rival", competitor.BaseUrl);
        AddEndpoint(settings, "Lineage:References:0", "family-ref", reference.BaseUrl);
        settings["Upstream:BaseUrl"] = upstream.BaseAddress.ToString();
        settings["Upstream:ApiKey"] = UpstreamKey;
        settings["Lineage:OwnModels:0"] = "house-model";

        await using (LoopbackHost app = await StartAsync(settings))
        {
            LineageSampler sampler = app.Services.GetRequiredService<LineageSampler>();
            Assert.Equal(["rival", "family-ref", "house-model"], sampler.Targets().Select(t => t.Name));

            LineageSamplingReport report = Assert.IsType<LineageSamplingReport>(await sampler.TryRunAsync());
            Assert.All(report.Targets, t =>
            {
                Assert.Equal((5, 5, 5, 5L), (t.Asked, t.Answered, t.Requests, t.NextPosition));
                Assert.Empty(t.Errors);
            });
            Assert.Equal([LineageTargetKind.Competitor, LineageTargetKind.Reference, LineageTargetKind.Own], report.Targets.Select(t => t.Kind));

            // The same first prompts of the shipped set went to every model; the own model's went to the upstream
            // itself, at its OpenAI path, with the upstream key and the own model's id.
            foreach (FakeOpenAiServer server in new[] { competitor, reference })
            {
                Assert.Equal(Prompts.Take(5).Order(StringComparer.Ordinal), server.Prompts.Order(StringComparer.Ordinal));
            }

            Assert.Equal(Prompts.Take(5).Order(StringComparer.Ordinal), upstream.Requests.Select(PromptOf).Order(StringComparer.Ordinal));
            Assert.All(upstream.Requests, r =>
            {
                Assert.Equal(("POST", "/v1/chat/completions"), (r.Method, r.PathAndQuery));
                Assert.Equal("Bearer " + UpstreamKey, r.Headers["Authorization"]);
                Assert.Equal("house-model", JsonNode.Parse(r.Body)!["model"]!.GetValue<string>());
            });

            List<LineageSample> stored = await ReadSamplesAsync(app);
            Assert.Equal(15, stored.Count);
            Assert.Equal(Prompts.Take(5).Select(Own).Order(StringComparer.Ordinal), stored.Where(s => s.Model == "house-model").Select(s => s.Output).Order(StringComparer.Ordinal));
            Assert.All(stored.Where(s => s.Model == "rival"), s => Assert.Equal("rival says: " + s.Prompt, s.Output));
            Assert.All(stored.Where(s => s.Model == "family-ref"), s => Assert.Equal("reference says: " + s.Prompt, s.Output));

            // The lineage API sees the sampled models like uploaded ones.
            using HttpClient client = Client(app);
            using JsonDocument model = JsonDocument.Parse(await client.GetStringAsync(new Uri("api/lineage/models/house-model", UriKind.Relative)));
            Assert.Equal(5, model.RootElement.GetProperty("samples").GetInt32());

            // Each model's batch is kept as a probe transcript.
            Assert.Equal(3, await CountBlobsAsync(app, settings["Storage:TranscriptContainer"]!));
        }

        // A new process over the same storage: each model resumes at the stored position.
        await using (LoopbackHost app = await StartAsync(settings))
        {
            LineageSamplingReport report = Assert.IsType<LineageSamplingReport>(await app.Services.GetRequiredService<LineageSampler>().TryRunAsync());
            Assert.All(report.Targets, t => Assert.Equal((5, 10L), (t.Answered, t.NextPosition)));
            foreach (FakeOpenAiServer server in new[] { competitor, reference })
            {
                Assert.Equal(Prompts.Take(10).Order(StringComparer.Ordinal), server.Prompts.Order(StringComparer.Ordinal));
            }

            Assert.Equal(Prompts.Take(10).Order(StringComparer.Ordinal), upstream.Requests.Select(PromptOf).Order(StringComparer.Ordinal));

            Assert.Equal(30, (await ReadSamplesAsync(app)).Count);
        }
    }

    [Fact]
    public async Task A_failing_reference_is_skipped_keeping_its_place_while_the_others_are_stored_and_a_budget_caps_the_prompts()
    {
        await using FakeOpenAiServer competitor = await FakeOpenAiServer.StartAsync((prompt, _) => new FakeReply.Answer("rival says: " + prompt));
        await using FakeOpenAiServer down = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Status(500));
        await using FakeOpenAiServer capped = await FakeOpenAiServer.StartAsync((prompt, _) => new FakeReply.Answer("capped says: " + prompt));

        Dictionary<string, string?> settings = Settings(promptsPerRun: 6);
        AddEndpoint(settings, "Probe:Competitors:0", "rival", competitor.BaseUrl);
        AddEndpoint(settings, "Lineage:References:0", "down-ref", down.BaseUrl);
        // Three requests a run and no retries: the budget, not PromptsPerRun, sets the batch.
        AddEndpoint(settings, "Lineage:References:1", "capped-ref", capped.BaseUrl, maxRequests: 3);
        // An own model with the proxy forwarding callers' keys (no Upstream:ApiKey): nothing to ask it with, so it is skipped.
        settings["Upstream:BaseUrl"] = competitor.BaseUrl.Scheme + "://" + competitor.BaseUrl.Authority;
        settings["Lineage:OwnModels:0"] = "house-model";

        await using LoopbackHost app = await StartAsync(settings);
        LineageSampler sampler = app.Services.GetRequiredService<LineageSampler>();
        LineageSamplingReport first = Assert.IsType<LineageSamplingReport>(await sampler.TryRunAsync());
        Dictionary<string, LineageTargetResult> byName = first.Targets.ToDictionary(t => t.Name, StringComparer.Ordinal);

        Assert.Equal((6, 6, 6L), (byName["rival"].Asked, byName["rival"].Answered, byName["rival"].NextPosition));
        Assert.Equal((3, 3, 3, 3L), (byName["capped-ref"].Asked, byName["capped-ref"].Answered, byName["capped-ref"].Requests, byName["capped-ref"].NextPosition));
        Assert.Equal(3, capped.RequestCount);

        LineageTargetResult failed = byName["down-ref"];
        Assert.Equal((6, 0, 0L), (failed.Asked, failed.Answered, failed.NextPosition));
        Assert.Contains(failed.Errors, e => e.StartsWith("HTTP 500", StringComparison.Ordinal));

        LineageTargetResult own = byName["house-model"];
        Assert.Equal((0, 0, 0), (own.Asked, own.Answered, own.Requests));
        Assert.Contains(own.Errors, e => e.Contains("Upstream:ApiKey", StringComparison.Ordinal));

        List<LineageSample> stored = await ReadSamplesAsync(app);
        Assert.Equal(6, stored.Count(s => s.Model == "rival"));
        Assert.Equal(3, stored.Count(s => s.Model == "capped-ref"));
        Assert.DoesNotContain(stored, s => s.Model is "down-ref" or "house-model");

        // The next tick: the capped reference goes on from prompt 3; the failed one asks its first prompts again.
        int downBefore = down.RequestCount;
        LineageSamplingReport second = Assert.IsType<LineageSamplingReport>(await sampler.TryRunAsync());
        Assert.Equal(6L, second.Targets.Single(t => t.Name == "capped-ref").NextPosition);
        Assert.Equal(Prompts.Take(6).Order(StringComparer.Ordinal), capped.Prompts.Order(StringComparer.Ordinal));
        Assert.Equal(Prompts.Take(6).Order(StringComparer.Ordinal), down.Prompts.Skip(downBefore).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Switched_off_a_tick_samples_nothing()
    {
        await using FakeOpenAiServer competitor = await FakeOpenAiServer.StartAsync((prompt, _) => new FakeReply.Answer("rival says: " + prompt));
        Dictionary<string, string?> settings = Settings(promptsPerRun: 5);
        AddEndpoint(settings, "Probe:Competitors:0", "rival", competitor.BaseUrl);
        settings["Lineage:SamplingEnabled"] = "false";

        await using LoopbackHost app = await StartAsync(settings);
        LineageSampler sampler = app.Services.GetRequiredService<LineageSampler>();
        Assert.False(sampler.IsEnabled);
        Assert.Empty(sampler.Targets());
        Assert.Empty(Assert.IsType<LineageSamplingReport>(await sampler.TryRunAsync()).Targets);
        Assert.Equal(0, competitor.RequestCount);
        Assert.Empty(await ReadSamplesAsync(app));
    }

    [Theory]
    [InlineData("Lineage:PromptsPerRun", "0", "Lineage:PromptsPerRun")]
    [InlineData("Lineage:References:0:Name", "rival", "Lineage:References:0:Name 'rival'")]
    [InlineData("Lineage:OwnModels:0", "rival", "Lineage:OwnModels:0 'rival'")]
    [InlineData("Lineage:OwnModelPath", "../admin", "Lineage:OwnModelPath")]
    public async Task Bad_sampling_settings_stop_the_start_and_name_the_key(string key, string value, string named)
    {
        Dictionary<string, string?> settings = Settings(promptsPerRun: 5);
        AddEndpoint(settings, "Probe:Competitors:0", "rival", new Uri("http://127.0.0.1:9/v1"));
        AddEndpoint(settings, "Lineage:References:0", "family-ref", new Uri("http://127.0.0.1:9/v1"));
        settings[key] = value;
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(settings));
        Assert.Contains(error.Failures, f => f.Contains(named, StringComparison.Ordinal));
    }

    private static string PromptOf(ReceivedRequest request) =>
        JsonNode.Parse(request.Body)!["messages"]![0]!["content"] switch
        {
            JsonArray parts => string.Concat(parts.Select(p => p!["text"]!.GetValue<string>())),
            JsonNode text => text.GetValue<string>(),
            null => "",
        };

    /// <summary>The settings of a host on the in-memory stores, or on Azurite (its own tables and containers) when given.</summary>
    private static Dictionary<string, string?> Settings(int promptsPerRun, AzuriteFixture? azurite = null)
    {
        Dictionary<string, string?> settings = azurite is null ? [] : new(AzuriteFixture.IsolatedStorageSettings(azurite.ConnectionString))
        {
            ["Storage:TranscriptContainer"] = AzuriteFixture.UniqueName("lintr"),
            ["Lineage:Container"] = AzuriteFixture.UniqueName("lineage"),
        };
        settings["Evidence:AdminKey"] = AdminKey;
        settings["Lineage:BootstrapReplicates"] = "20";
        settings["Lineage:PromptsPerRun"] = promptsPerRun.ToString(CultureInfo.InvariantCulture);
        settings["Probe:RetryBaseDelaySeconds"] = "0";
        return settings;
    }

    private static void AddEndpoint(Dictionary<string, string?> settings, string at, string name, Uri baseUrl, int maxRequests = 40)
    {
        settings[at + ":Name"] = name;
        settings[at + ":BaseUrl"] = baseUrl.ToString();
        settings[at + ":Model"] = name + "-model";
        settings[at + ":ApiKey"] = "key-of-" + name;
        settings[at + ":MaxRequestsPerRun"] = maxRequests.ToString(CultureInfo.InvariantCulture);
        settings[at + ":MaxRetries"] = "0";
        settings[at + ":TimeoutSeconds"] = "20";
        settings[at + ":Concurrency"] = "4";
        settings[at + ":RequestsPerMinute"] = "6000";
    }

    /// <summary>Starts a host with <paramref name="settings"/>: on Azurite when they name a storage connection, else on the in-memory stores.</summary>
    private static async Task<LoopbackHost> StartAsync(Dictionary<string, string?> settings)
    {
        bool onAzurite = settings.ContainsKey("Storage:ConnectionString");
        WebApplicationBuilder builder = LoopbackHost.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        if (onAzurite)
        {
            builder.Services.AddCanaryStorage(builder.Configuration);
        }
        else
        {
            builder.Services.AddInMemoryCanaryStorage(builder.Configuration);
        }

        builder.Services.AddCanaryProbing(builder.Configuration);
        builder.Services.AddCanaryLineage(builder.Configuration);
        builder.Services.AddSingleton(new CanaryService.Core.Keys.CanaryKeyRing(CanaryService.Core.Keys.MasterKey.FromBase64(EvidenceTestHost.MasterKey)));
        WebApplication app = builder.Build();
        app.UseCanaryAdminKey();
        app.MapCanaryLineageApi();
        LoopbackHost host = await LoopbackHost.StartAsync(app);
        if (onAzurite)
        {
            await host.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return host;
    }

    private static async Task<List<LineageSample>> ReadSamplesAsync(LoopbackHost app)
    {
        List<LineageSample> samples = [];
        await foreach (LineageSample sample in app.Services.GetRequiredService<ILineageSampleStore>().ReadAllAsync())
        {
            samples.Add(sample);
        }

        return samples;
    }

    private static async Task<int> CountBlobsAsync(LoopbackHost app, string container)
    {
        int count = 0;
        await foreach (BlobItem _ in app.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(container).GetBlobsAsync())
        {
            count++;
        }

        return count;
    }

    private static HttpClient Client(LoopbackHost app)
    {
        var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Add(AdminKeyMiddleware.HeaderName, AdminKey);
        return client;
    }
}
