using CanaryService.Application.Proxy;
using CanaryService.Application.Proxy.Forwarding;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Proxy;

/// <summary>The marking proxy on loopback Kestrel, configured with in-memory settings.</summary>
internal sealed class ProxyServer : IAsyncDisposable
{
    private readonly LoopbackHost _host;

    private ProxyServer(LoopbackHost host)
    {
        _host = host;
    }

    public Uri BaseAddress => _host.BaseAddress;

    public IServiceProvider Services => _host.Services;

    public static async Task<ProxyServer> StartAsync(
        IDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null, MasterKey? masterKey = null)
    {
        WebApplicationBuilder builder = LoopbackHost.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(new CanaryKeyRing(masterKey ?? MasterKey.Generate()));
        builder.Services.AddCanaryProxy(builder.Configuration);
        configureServices?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        app.MapCanaryProxy();
        return new ProxyServer(await LoopbackHost.StartAsync(app));
    }

    /// <summary>
    /// Marks with <see cref="TestMarking"/>'s lexicon under the proxy's own key ring; start the proxy with
    /// <see cref="TestMarking.Key"/> to compare its answers with <see cref="TestMarking.Mark"/>.
    /// </summary>
    public static void UseTestMarking(IServiceCollection services) =>
        services.AddSingleton(static provider => TestMarking.CreateMarker(provider.GetRequiredService<CanaryKeyRing>()));

    /// <summary>The account the proxy attributes a caller's API key to.</summary>
    public string AccountOf(string apiKey) => Services.GetRequiredService<AccountResolver>().HashKey(apiKey);

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
