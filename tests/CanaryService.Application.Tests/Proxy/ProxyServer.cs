using CanaryService.Application.Proxy;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Keys;
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

    /// <summary>A marker that swaps words with <see cref="WordSwapMarking"/>.</summary>
    public static void UseWordSwapMarking(IServiceCollection services) => services.AddSingleton<IResponseMarker, WordSwapMarker>();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private sealed class WordSwapMarker : IResponseMarker
    {
        public ValueTask<IResponseMarking> BeginAsync(string accountId, string promptText, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IResponseMarking>(new WordSwapMarking());
    }
}
