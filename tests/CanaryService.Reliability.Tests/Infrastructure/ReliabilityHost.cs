using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using CanaryService.Application.Evidence;
using CanaryService.Host.Hosting;
using CanaryService.Storage;
using CanaryService.Testing;
using CanaryService.Testing.Hosting;
using CanaryService.Testing.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CanaryService.Reliability.Tests.Infrastructure;

/// <summary>What a caller got back: status, content type, headers and body as text.</summary>
internal sealed record Reply(int Status, string? MediaType, string Headers, string Body)
{
    public override string ToString() => $"{Status} {MediaType}\n{Headers}\n{(Body.Length > 1500 ? Body[..1500] + "…" : Body)}";
}

/// <summary>
/// The real Host app (<see cref="CanaryWebApplication.BuildAsync"/>) on loopback Kestrel with its own tables, every
/// log line captured at Trace level and every reply recorded; disposing it fails when a secret leaked into either.
/// </summary>
internal sealed class ReliabilityHost : IAsyncDisposable
{
    private readonly LoopbackHost _host;
    private readonly CapturingLoggerProvider _logs;

    private ReliabilityHost(LoopbackHost host, CapturingLoggerProvider logs)
    {
        _host = host;
        _logs = logs;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = host.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public Uri BaseAddress => _host.BaseAddress;

    public int Port => BaseAddress.Port;

    public HttpClient Client { get; }

    public IServiceProvider Services => _host.Services;

    public StorageOptions Storage => Services.GetRequiredService<IOptions<StorageOptions>>().Value;

    /// <summary>Every log entry so far.</summary>
    public IReadOnlyCollection<string> Logs => _logs.Entries;

    /// <summary>Every reply so far (status line, headers and body).</summary>
    public ConcurrentQueue<string> Replies { get; } = new();

    /// <summary>The settings every host gets; <paramref name="overrides"/> win.</summary>
    public static Dictionary<string, string?> Settings(string storageConnectionString, Uri upstream, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        Dictionary<string, string?> all = new(AzuriteFixture.IsolatedStorageSettings(storageConnectionString))
        {
            ["Canary:MasterKey"] = KnownSecrets.MasterKey,
            ["Storage:IssuanceFlushInterval"] = "00:00:00.050",
            ["Storage:RetryInitialDelay"] = "00:00:00.050",
            ["Storage:RetryMaxDelay"] = "00:00:00.500",
            ["Storage:RegistryWriteTimeout"] = "00:00:01",
            ["Upstream:BaseUrl"] = upstream.ToString(),
            ["Upstream:ApiKey"] = KnownSecrets.UpstreamApiKey,
            ["Upstream:Timeout"] = "00:00:05",
            ["Evidence:AdminKey"] = KnownSecrets.AdminKey,
            ["Probe:RetryBaseDelaySeconds"] = "0.01",
        };
        foreach (KeyValuePair<string, string?> setting in overrides ?? [])
        {
            all[setting.Key] = setting.Value;
        }

        return all;
    }

    public static async Task<ReliabilityHost> StartAsync(string storageConnectionString, Uri upstream, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var logs = new CapturingLoggerProvider();
        Dictionary<string, string?> settings = Settings(storageConnectionString, upstream, overrides);
        WebApplication app = await CanaryWebApplication.BuildAsync([.. LoopbackHost.UrlsArguments, "--environment", "Production"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
            // A provider-specific rule beats the category rules of appsettings.json: this provider sees everything.
            builder.Logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace);
        });
        LoopbackHost host = await LoopbackHost.StartAsync(app);
        try
        {
            await app.WaitForStorageAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return new ReliabilityHost(host, logs);
    }

    /// <summary>A chat-completion request with a caller key (the caller's account is derived from it).</summary>
    public static HttpRequestMessage Chat(string json, string caller = "default", string path = "v1/chat/completions")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", KnownSecrets.CallerKey(caller));
        return request;
    }

    /// <summary>An evidence API request, with the admin key unless told otherwise.</summary>
    public static HttpRequestMessage Admin(HttpMethod method, string path, string? adminKey = KnownSecrets.AdminKey)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (adminKey is not null)
        {
            request.Headers.TryAddWithoutValidation(AdminKeyMiddleware.HeaderName, adminKey);
        }

        return request;
    }

    /// <summary>Sends, reads the whole reply within <paramref name="timeout"/> (default 30 s) and records it.</summary>
    public async Task<Reply> SendAsync(HttpRequestMessage request, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        using (request)
        {
            using HttpResponseMessage response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            string body = await response.Content.ReadAsStringAsync(cts.Token);
            var reply = new Reply((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
                response.Headers.ToString() + response.Content.Headers, body);
            Record(reply.ToString().Length > 0 ? reply.Headers + "\n" + reply.Body : "");
            return reply;
        }
    }

    /// <summary>Records a reply received some other way (raw sockets, streams).</summary>
    public void Record(string reply) => Replies.Enqueue(reply);

    /// <summary>
    /// Waits until every request the host started has finished (its hosting log says so): a caller can see its
    /// connection reset before the handler has recorded what it sent.
    /// </summary>
    public async Task WaitUntilIdleAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            int started = _logs.Entries.Count(e => e.Contains("] Request starting ", StringComparison.Ordinal));
            int finished = _logs.Entries.Count(e => e.Contains("] Request finished ", StringComparison.Ordinal));
            if (started == finished)
            {
                return;
            }

            await Task.Delay(20, cts.Token);
        }
    }

    /// <summary>Every issuance event queued so far is written.</summary>
    public Task FlushIssuanceAsync(TimeSpan timeout) =>
        Services.GetRequiredService<CanaryService.Core.Issuance.IIssuanceLog>().FlushAsync().WaitAsync(timeout);

    /// <summary>Total marked responses recorded for <paramref name="account"/> (sum over its day rows).</summary>
    public async Task<long> IssuedResponsesAsync(string account)
    {
        var table = new Azure.Data.Tables.TableClient(Storage.ConnectionString, Storage.IssuanceTable);
        long total = 0;
        await foreach (Azure.Data.Tables.TableEntity row in table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == account))
        {
            if (row.GetString("Topic") is null)
            {
                total += row.GetInt64("Responses") ?? 0;
            }
        }

        return total;
    }

    /// <summary>The account id the proxy derives from a caller key id (see <see cref="Chat"/>).</summary>
    public string AccountOf(string caller) =>
        Services.GetRequiredService<CanaryService.Application.Proxy.Forwarding.AccountResolver>().HashKey(KnownSecrets.CallerKey(caller));

    /// <summary>Stops the host (its shutdown logs are captured too).</summary>
    public Task StopAsync() => _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _host.DisposeAsync();
        AssertNoSecretLeaked();
    }

    /// <summary>Fails when a secret occurs in any captured log entry or reply.</summary>
    public void AssertNoSecretLeaked()
    {
        KnownSecrets.AssertAbsent(_logs.Entries, "a log entry");
        KnownSecrets.AssertAbsent(Replies, "a reply");
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
