using System.ClientModel;
using System.ClientModel.Primitives;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using CanaryService.Application.Proxy;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Storage;
using CanaryService.Storage.Setup;
using CanaryService.Testing;
using CanaryService.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace CanaryService.Application.Tests.Proxy.Integration;

/// <summary>
/// The service wired as the Host wires it (<c>AddCanaryService</c>: the engine's marker, storage on Azurite, the
/// proxy) on loopback Kestrel, with its own tables, in front of an upstream.
/// </summary>
internal sealed class MarkingServiceHost : IAsyncDisposable
{
    /// <summary>The front door's account header the tests configure.</summary>
    public const string AccountHeader = "X-Canary-Account";

    /// <summary>A fixed test master key (32 bytes), so the tests can derive the same keys the service uses.</summary>
    public static readonly string MasterKeyBase64 = Convert.ToBase64String(SHA256.HashData("canary-proxy-integration-tests"u8));

    private readonly LoopbackHost _host;

    private MarkingServiceHost(LoopbackHost host, string connectionString)
    {
        _host = host;
        ConnectionString = connectionString;
    }

    public Uri BaseAddress => _host.BaseAddress;

    public string ConnectionString { get; }

    public IServiceProvider Services => _host.Services;

    public StorageOptions Storage => Services.GetRequiredService<IOptions<StorageOptions>>().Value;

    /// <summary>The key ring the tests derive independently from <see cref="MasterKeyBase64"/>.</summary>
    public static CanaryKeyRing KeyRing { get; } = new(MasterKey.FromBase64(MasterKeyBase64));

    public IIssuanceLog Issuance => Services.GetRequiredService<IIssuanceLog>();

    public TableClient IssuanceTable => new(ConnectionString, Storage.IssuanceTable);

    public TableClient RegistryTable => new(ConnectionString, Storage.RegistryTable);

    /// <summary>Every table this host writes to.</summary>
    public IEnumerable<TableClient> AllTables =>
        new[] { Storage.RegistryTable, Storage.IssuanceTable, Storage.ProbeRunsTable, Storage.EvidenceTable }
            .Select(name => new TableClient(ConnectionString, name));

    /// <summary>The admin key of the <c>/api</c> routes, when the host maps them.</summary>
    public const string AdminKey = "marking-host-admin-key-0123";

    public static async Task<MarkingServiceHost> StartAsync(string connectionString, Uri upstream, IEnumerable<KeyValuePair<string, string?>>? settings = null, bool withApi = false)
    {
        Dictionary<string, string?> all = new(AzuriteFixture.IsolatedStorageSettings(connectionString))
        {
            ["Canary:MasterKey"] = MasterKeyBase64,
            ["Canary:PhraseRate"] = "0",
            ["Upstream:BaseUrl"] = upstream.ToString(),
            ["Proxy:AccountHeader"] = AccountHeader,
            ["Storage:IssuanceFlushInterval"] = "00:00:00.050",
            ["Storage:RetryInitialDelay"] = "00:00:00.050",
            ["Storage:RetryMaxDelay"] = "00:00:00.500",
            ["Evidence:AdminKey"] = AdminKey,
        };
        foreach (KeyValuePair<string, string?> setting in settings ?? [])
        {
            all[setting.Key] = setting.Value;
        }

        WebApplicationBuilder builder = LoopbackHost.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(all);
        builder.Services.AddCanaryService(builder.Configuration);
        builder.Services.AddCanaryOperationWorker();
        WebApplication app = builder.Build();
        if (withApi)
        {
            app.UseCanaryAdminKey();
            app.MapCanaryEvidenceApi();
        }

        app.MapCanaryProxy();
        LoopbackHost host = await LoopbackHost.StartAsync(app);
        await host.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return new MarkingServiceHost(host, connectionString);
    }

    /// <summary>The account the service derives from a caller's API key, computed here independently of the service.</summary>
    public static string AccountOfKey(string apiKey) =>
        "key-" + Convert.ToHexStringLower(HMACSHA256.HashData(KeyRing.AccountSalt, Encoding.UTF8.GetBytes(apiKey)).AsSpan(0, 16));

    /// <summary>The official OpenAI client pointed at the proxy, sending <paramref name="apiKey"/> and, when given, the front door's account header.</summary>
    public ChatClient Client(string apiKey, string? account = null)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(BaseAddress, "v1"),
            RetryPolicy = new ClientRetryPolicy(0),
            NetworkTimeout = TimeSpan.FromSeconds(30),
        };
        if (account is not null)
        {
            options.AddPolicy(new HeaderPolicy(AccountHeader, account), PipelinePosition.PerCall);
        }

        return new ChatClient("gpt-test", new ApiKeyCredential(apiKey), options);
    }

    /// <summary>Stops the host as a shutdown would: requests in flight finish, then the issuance log writes what is queued.</summary>
    public Task StopAsync() => _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
    }

    /// <summary>Sets a request header on every call, as the front door would.</summary>
    private sealed class HeaderPolicy(string name, string value) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Set(name, value);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Set(name, value);
            await ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
