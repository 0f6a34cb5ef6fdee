using System.Net;
using System.Text;
using System.Text.Json;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Host.Hosting;
using CanaryService.Testing.Hosting;
using CanaryService.Testing.InMemory;
using CanaryService.Testing.Logging;
using CanaryService.Testing.Operations;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CanaryService.Host.Tests.Hosting;

/// <summary>The Host as <c>Program</c> builds it: development storage, the routes, and one clear error per configuration mistake.</summary>
[Trait("Category", "Integration")]
public sealed class CanaryWebApplicationTests
{
    private const string AdminKey = "host-test-admin-key-0123456789";
    private const string Answer = "Moreover, many people usually agree.";
    private static readonly string MasterKey = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("host-tests"u8));

    private static Task<WebApplication> BuildAsync(string environment, IDictionary<string, string?> settings) =>
        CanaryWebApplication.BuildAsync(
            ["--environment", environment, .. LoopbackHost.UrlsArguments],
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Configuration.AddInMemoryCollection(settings);
            });

    [Fact]
    public async Task In_development_without_storage_it_starts_azurite_and_serves_every_route()
    {
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        upstream.Handler = (context, _) => ChatAnswers.WriteCompletionAsync(context.Response, Answer);
        WebApplication app = await BuildAsync("Development", new Dictionary<string, string?>
        {
            ["Canary:MasterKey"] = MasterKey,
            ["Upstream:BaseUrl"] = upstream.BaseAddress.ToString(),
            ["Evidence:AdminKey"] = AdminKey,
        });
        DevelopmentStorage storage = app.Services.GetRequiredService<DevelopmentStorage>();
        await using (LoopbackHost host = await LoopbackHost.StartAsync(app))
        {
            await app.WaitForStorageAsync(TimeSpan.FromSeconds(60));
            HttpClient client = host.Client;

            Assert.Equal("ok", await client.GetStringAsync(new Uri("/healthz", UriKind.Relative)));

            using var chat = new StringContent("""{"model":"m","messages":[{"role":"user","content":"Tell me something"}]}""", Encoding.UTF8, "application/json");
            using HttpResponseMessage answer = await client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), chat);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            using (JsonDocument completion = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()))
            {
                // Marked as the engine marks it for a caller without a key, under the configured master key.
                using var marker = new CanaryMarker(new CanaryKeyRing(Core.Keys.MasterKey.FromBase64(MasterKey)), new CanaryMarkerOptions(), new InMemoryCanaryRegistry(), TimeProvider.System);
                ResponseMarking expected = await marker.BeginAsync(new MarkingRequest(AccountIds.Anonymous, "Tell me something"));
                string marked = expected.MarkText(Answer, 0);
                Assert.NotEqual(Answer, marked);
                Assert.Equal(marked, completion.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
            }

            Assert.Single(upstream.Requests);

            using HttpResponseMessage refused = await client.GetAsync(new Uri("/api/competitors", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            using var withKey = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/competitors", UriKind.Relative));
            withKey.Headers.Add("x-canary-admin-key", AdminKey);
            using HttpResponseMessage listed = await client.SendAsync(withKey);
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
            Assert.Equal("""{"data":[]}""", await listed.Content.ReadAsStringAsync());

            // A long run answers 202 at once; the Host's background worker runs it and the record ends succeeded.
            using var admin = new HttpClient { BaseAddress = host.BaseAddress };
            admin.DefaultRequestHeaders.Add("x-canary-admin-key", AdminKey);
            using JsonDocument monitor = await OperationPolling.RunAsync(admin, "api/monitor/run", TimeSpan.FromSeconds(60));
            Assert.Equal("succeeded", monitor.RootElement.GetProperty("status").GetString());
            JsonElement summary = monitor.RootElement.GetProperty("result");
            Assert.Equal(0, summary.GetProperty("flagged").GetInt32());
            Assert.True(summary.GetProperty("at").GetDateTimeOffset() >= monitor.RootElement.GetProperty("createdAt").GetDateTimeOffset(), summary.ToString());

            // With no names configured, the service creates the tables and the transcript container under the names
            // the deployment documents.
            var tables = new Azure.Data.Tables.TableServiceClient(storage.ConnectionString);
            var names = new List<string>();
            await foreach (Azure.Data.Tables.Models.TableItem table in tables.QueryAsync())
            {
                names.Add(table.Name);
            }

            Assert.Superset(new HashSet<string>(["CanaryRegistry", "Issuance", "ProbeRuns", "Evidence", "Operations"]), new HashSet<string>(names));
            Assert.True(await new Azure.Storage.Blobs.BlobContainerClient(storage.ConnectionString, "probes").ExistsAsync(), "no transcript container 'probes'");
            await host.StopAsync();
        }

        // The emulator goes away with the host.
        var probe = new Azure.Data.Tables.TableServiceClient(storage.ConnectionString, new Azure.Data.Tables.TableClientOptions { Retry = { MaxRetries = 0 } });
        await Assert.ThrowsAnyAsync<Exception>(async () => await probe.GetPropertiesAsync());
    }

    [Fact]
    public async Task With_the_shipped_logging_settings_requests_start_no_activity_and_the_callers_traceparent_reaches_the_upstream()
    {
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        upstream.Handler = (context, _) => ChatAnswers.WriteCompletionAsync(context.Response, Answer);
        var activities = new System.Collections.Concurrent.ConcurrentQueue<bool>();
        WebApplication app = await CanaryWebApplication.BuildAsync(
            ["--environment", "Production", .. LoopbackHost.UrlsArguments],
            builder =>
            {
                // A provider that takes every level: without the shipped "Hosting.Diagnostics: None" rule, ASP.NET Core
                // would start an Activity per request for it.
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(new CapturingLoggerProvider());
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Canary:MasterKey"] = MasterKey,
                    ["Upstream:BaseUrl"] = upstream.BaseAddress.ToString(),
                    ["Evidence:AdminKey"] = AdminKey,
                    // Nothing listens here: the proxy serves without storage and queues the issuance.
                    ["Storage:ConnectionString"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
                });
                builder.Services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(new ActivityProbe(activities));
            });
        await using (LoopbackHost host = await LoopbackHost.StartAsync(app))
        {
            HttpClient client = host.Client;
            const string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
            using var chat = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/chat/completions", UriKind.Relative))
            {
                Content = new StringContent("""{"model":"m","messages":[{"role":"user","content":"Tell me something"}]}""", Encoding.UTF8, "application/json"),
            };
            chat.Headers.Add("traceparent", traceparent);
            using HttpResponseMessage answer = await client.SendAsync(chat);

            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal([false], activities);
            Assert.Equal(traceparent, Assert.Single(upstream.Requests).Headers["traceparent"]);
            await host.StopAsync();
        }
    }

    private sealed class ActivityProbe(System.Collections.Concurrent.ConcurrentQueue<bool> seen) : Microsoft.AspNetCore.Hosting.IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                seen.Enqueue(System.Diagnostics.Activity.Current is not null || context.Features.Get<IHttpActivityFeature>()?.Activity is not null);
                return following(context);
            });
            next(app);
        };
    }

    [Fact]
    public async Task Outside_development_missing_storage_is_one_clear_error()
    {
        CanaryConfigurationException error = await Assert.ThrowsAsync<CanaryConfigurationException>(() => BuildAsync("Production", new Dictionary<string, string?>
        {
            ["Canary:MasterKey"] = MasterKey,
            ["Upstream:BaseUrl"] = "http://127.0.0.1:9",
        }));
        Assert.Contains("Storage:ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "http://127.0.0.1:9", null, "Canary:MasterKey is not set")]
    [InlineData("c2hvcnQ=", "http://127.0.0.1:9", null, "at least 32 random bytes")]
    [InlineData("MASTER", null, null, "Upstream:BaseUrl")]
    [InlineData("MASTER", "http://127.0.0.1:9", "short", "Evidence:AdminKey")]
    public async Task Each_configuration_mistake_is_named_without_revealing_secrets(string? masterKey, string? upstream, string? adminKey, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Canary:MasterKey"] = masterKey == "MASTER" ? MasterKey : masterKey,
            ["Upstream:BaseUrl"] = upstream,
            ["Evidence:AdminKey"] = adminKey,
            // Storage is given so that only the mistake under test can fail (nothing is contacted while building).
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
        };
        CanaryConfigurationException error = await Assert.ThrowsAsync<CanaryConfigurationException>(() => BuildAsync("Production", settings));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(MasterKey, error.Message, StringComparison.Ordinal);
    }
    [Fact]
    public async Task A_bad_lineage_sampling_setting_is_one_clear_error()
    {
        CanaryConfigurationException error = await Assert.ThrowsAsync<CanaryConfigurationException>(() => BuildAsync("Production", new Dictionary<string, string?>
        {
            ["Canary:MasterKey"] = MasterKey,
            ["Upstream:BaseUrl"] = "http://127.0.0.1:9",
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Lineage:PromptsPerRun"] = "0",
            ["Lineage:References:0:Name"] = "family-ref",
            ["Lineage:References:0:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["Lineage:References:0:Model"] = "m",
            ["Lineage:References:0:ApiKey"] = "reference-secret-key",
        }));
        Assert.Contains("Lineage:PromptsPerRun", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("reference-secret-key", error.Message, StringComparison.Ordinal);
    }
}
