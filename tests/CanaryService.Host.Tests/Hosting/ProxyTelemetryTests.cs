using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using CanaryService.Application.Proxy;
using CanaryService.Application.Proxy.Surfaces;
using CanaryService.Host.Hosting;
using CanaryService.Testing.Hosting;
using CanaryService.Testing.Logging;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CanaryService.Host.Tests.Hosting;

/// <summary>
/// What a proxied request leaves behind with the shipped settings: in Production no log line per request (YARP's
/// included) but a count on <c>canary.proxy.requests</c>; in Development YARP's lines, for local runs.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProxyTelemetryTests
{
    private static readonly string MasterKey = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("proxy-telemetry-tests"u8));

    // Nothing listens here: the proxy serves without storage and queues the issuance.
    private const string UnreachableStorage =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";

    [Fact]
    public async Task In_production_a_proxied_request_writes_no_log_line_of_yarp_and_is_counted()
    {
        await using FakeOpenAiServer upstream = await StartUpstreamAsync();
        var logs = new CapturingLoggerProvider();
        WebApplication app = await BuildAsync("Production", upstream, logs);
        var counted = new ConcurrentQueue<(string Surface, bool Marked, long Count)>();
        using MeterListener listener = ListenToProxyRequests(app, counted);
        await using LoopbackHost host = await LoopbackHost.StartAsync(app);

        using HttpResponseMessage chat = await PostChatAsync(host.Client);
        using HttpResponseMessage models = await host.Client.GetAsync(new Uri("/v1/models", UriKind.Relative));
        await host.StopAsync();

        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal(2, upstream.Requests.Count);
        Assert.DoesNotContain(logs.Entries, entry => entry.Contains(" Yarp.", StringComparison.Ordinal) && !IsWarningOrWorse(entry));
        Assert.DoesNotContain(logs.Entries, entry => entry.Contains("Proxying to", StringComparison.Ordinal));
        Assert.Equal(
            [(MarkedSurface.ChatCompletions.Name, true, 1L), (ProxyMetrics.PassThrough, false, 1L)],
            counted.OrderBy(c => c.Surface == ProxyMetrics.PassThrough));
    }

    [Fact]
    public async Task In_development_yarp_logs_each_proxied_request()
    {
        await using FakeOpenAiServer upstream = await StartUpstreamAsync();
        var logs = new CapturingLoggerProvider();
        await using LoopbackHost host = await LoopbackHost.StartAsync(await BuildAsync("Development", upstream, logs));

        using HttpResponseMessage chat = await PostChatAsync(host.Client);
        await host.StopAsync();

        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Contains(logs.Entries, entry => entry.StartsWith("Information Yarp.", StringComparison.Ordinal) && entry.Contains("Proxying to", StringComparison.Ordinal));
    }

    private static bool IsWarningOrWorse(string entry) =>
        entry.StartsWith(nameof(LogLevel.Warning), StringComparison.Ordinal)
        || entry.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal)
        || entry.StartsWith(nameof(LogLevel.Critical), StringComparison.Ordinal);

    private static async Task<FakeOpenAiServer> StartUpstreamAsync()
    {
        FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        upstream.Handler = (context, _) => ChatAnswers.WriteCompletionAsync(context.Response, "Moreover, many people usually agree.");
        return upstream;
    }

    private static Task<WebApplication> BuildAsync(string environment, FakeOpenAiServer upstream, CapturingLoggerProvider logs) =>
        CanaryWebApplication.BuildAsync(
            ["--environment", environment, .. LoopbackHost.UrlsArguments],
            builder =>
            {
                // The shipped appsettings files decide the levels; this provider takes whatever they let through.
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(logs);
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Canary:MasterKey"] = MasterKey,
                    ["Upstream:BaseUrl"] = upstream.BaseAddress.ToString(),
                    ["Storage:ConnectionString"] = UnreachableStorage,
                    // The queued issuance cannot be written; stopping need not wait long for it.
                    ["Storage:IssuanceShutdownTimeout"] = "00:00:01",
                });
            });

    /// <summary>Collects this app's <c>canary.proxy.requests</c> measurements (other hosts' meters are other scopes).</summary>
    private static MeterListener ListenToProxyRequests(WebApplication app, ConcurrentQueue<(string Surface, bool Marked, long Count)> counted)
    {
        IMeterFactory meters = app.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ProxyMetrics.MeterName && instrument.Meter.Scope == meters && instrument.Name == "canary.proxy.requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? surface = null;
            bool? marked = null;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "canary.surface")
                {
                    surface = tag.Value as string;
                }
                else if (tag.Key == "canary.marked")
                {
                    marked = tag.Value as bool?;
                }
            }

            counted.Enqueue((surface ?? "(none)", marked ?? false, value));
        });
        listener.Start();
        return listener;
    }

    private static async Task<HttpResponseMessage> PostChatAsync(HttpClient client)
    {
        using var body = new StringContent("""{"model":"m","messages":[{"role":"user","content":"Tell me something"}]}""", Encoding.UTF8, "application/json");
        return await client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), body);
    }
}
