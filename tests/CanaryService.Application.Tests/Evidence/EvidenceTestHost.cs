using System.Net.Http.Headers;
using CanaryService.Application.Evidence;
using CanaryService.Storage;
using CanaryService.Storage.Setup;
using CanaryService.Testing;
using CanaryService.Testing.Hosting;
using CanaryService.Testing.InMemory;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Tests.Evidence;

/// <summary>
/// The service as the Host wires it (probing, the admin-key guard, the evidence API) on loopback Kestrel, pointed at
/// fake competitors, with its storage on Azurite (its own tables and container) or on the in-memory fakes.
/// </summary>
internal sealed class EvidenceTestHost : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789";

    /// <summary>A fixed test master key (32 bytes).</summary>
    public static readonly string MasterKey = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("canary-probe-tests"u8));

    private readonly LoopbackHost _host;

    private EvidenceTestHost(LoopbackHost host)
    {
        _host = host;
        Client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Client.DefaultRequestHeaders.Add(AdminKeyMiddleware.HeaderName, AdminKey);
    }

    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>A client that sends the admin key.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _host.Services;

    public StorageOptions Storage => Services.GetRequiredService<IOptions<StorageOptions>>().Value;

    /// <summary>A competitor entry for <paramref name="fake"/>.</summary>
    public static Dictionary<string, string?> Competitor(int index, string name, FakeOpenAiServer fake, int budget, int retries = 1, double timeoutSeconds = 5) => new()
    {
        [$"Probe:Competitors:{index}:Name"] = name,
        [$"Probe:Competitors:{index}:BaseUrl"] = fake.BaseUrl.ToString(),
        [$"Probe:Competitors:{index}:Model"] = "fake-model",
        [$"Probe:Competitors:{index}:ApiKey"] = "sk-fake-" + name,
        [$"Probe:Competitors:{index}:MaxRequestsPerRun"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"Probe:Competitors:{index}:MaxRetries"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"Probe:Competitors:{index}:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"Probe:Competitors:{index}:Concurrency"] = "4",
        [$"Probe:Competitors:{index}:RequestsPerMinute"] = "60000",
    };

    /// <summary>
    /// Starts the host on Azurite, with its own tables and container; <paramref name="services"/> registers replacements
    /// first (the storage ports are added only when absent). For tests of what storage does under the service.
    /// </summary>
    public static Task<EvidenceTestHost> StartAsync(AzuriteFixture azurite, IEnumerable<KeyValuePair<string, string?>> settings, bool withAdminKey = true, Action<IServiceCollection>? services = null) =>
        StartAsync(AzuriteFixture.IsolatedStorageSettings(azurite.ConnectionString), settings, withAdminKey, services, inMemory: false);

    /// <summary>
    /// Starts the host on the in-memory storage fakes (<see cref="InMemoryStorageServiceCollectionExtensions.AddInMemoryCanaryStorage"/>);
    /// <paramref name="services"/> registers replacements first. For tests of the planner, the runner and the API.
    /// </summary>
    public static Task<EvidenceTestHost> StartAsync(IEnumerable<KeyValuePair<string, string?>> settings, bool withAdminKey = true, Action<IServiceCollection>? services = null) =>
        StartAsync([], settings, withAdminKey, services, inMemory: true);

    private static async Task<EvidenceTestHost> StartAsync(
        Dictionary<string, string?> storage, IEnumerable<KeyValuePair<string, string?>> settings, bool withAdminKey, Action<IServiceCollection>? services, bool inMemory)
    {
        Dictionary<string, string?> all = new(storage)
        {
            ["Storage:IssuanceFlushInterval"] = "00:00:00.050",
            ["Storage:PromptSampleFlushInterval"] = "00:00:00.050",
            ["Probe:RetryBaseDelaySeconds"] = "0.01",
        };
        if (withAdminKey)
        {
            all["Evidence:AdminKey"] = AdminKey;
        }

        foreach (KeyValuePair<string, string?> setting in settings)
        {
            all[setting.Key] = setting.Value;
        }

        WebApplicationBuilder builder = LoopbackHost.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(all);
        services?.Invoke(builder.Services);
        if (inMemory)
        {
            builder.Services.AddInMemoryCanaryStorage(builder.Configuration);
        }
        else
        {
            builder.Services.AddCanaryStorage(builder.Configuration);
        }

        builder.Services.AddCanaryProbing(builder.Configuration);
        builder.Services.AddCanaryOperationWorker();
        builder.Services.AddSingleton(new CanaryService.Core.Keys.CanaryKeyRing(CanaryService.Core.Keys.MasterKey.FromBase64(MasterKey)));
        WebApplication app = builder.Build();
        app.UseCanaryAdminKey();
        app.MapCanaryEvidenceApi();
        LoopbackHost host = await LoopbackHost.StartAsync(app);
        if (!inMemory)
        {
            await host.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return new EvidenceTestHost(host);
    }

    /// <summary>The registry and the issuance window as a probe run reads them at its start.</summary>
    public Task<global::CanaryService.Application.Probing.ProbeRunSnapshot> ReadSnapshotAsync() =>
        Services.GetRequiredService<global::CanaryService.Application.Probing.ProbeRunSnapshotReader>().ReadAsync();

    /// <summary>Stops the host as a shutdown would (its hosted services stop); <see cref="DisposeAsync"/> still follows.</summary>
    public Task StopAsync() => _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _host.DisposeAsync();
    }
}
