using CanaryService.Application.Probing;
using CanaryService.Core.Keys;
using CanaryService.Testing.InMemory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Evidence;

/// <summary>
/// The probing services as the Host registers them (<c>AddCanaryProbing</c>, the key ring), over the in-memory stores,
/// in a plain service provider: no server, no hosted service, nothing started. For tests of the planner and the
/// scoring, which need neither HTTP nor storage behaviour.
/// </summary>
internal sealed class ProbingServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private ProbingServices(ServiceProvider provider) => _provider = provider;

    public IServiceProvider Services => _provider;

    /// <summary>Builds the services with <paramref name="settings"/> (validating the options as a start would).</summary>
    public static ProbingServices Create(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        ServiceCollection services = new();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddInMemoryCanaryStorage(configuration);
        services.AddCanaryProbing(configuration);
        services.AddSingleton(new CanaryKeyRing(MasterKey.FromBase64(EvidenceTestHost.MasterKey)));
        return new ProbingServices(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
    }

    /// <summary>The registry and the issuance window as a probe run reads them at its start.</summary>
    public Task<ProbeRunSnapshot> ReadSnapshotAsync() => Services.GetRequiredService<ProbeRunSnapshotReader>().ReadAsync();

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
