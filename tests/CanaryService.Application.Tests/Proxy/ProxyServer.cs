using System.Net;
using CanaryService.Application.Proxy;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Keys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CanaryService.Application.Tests.Proxy;

/// <summary>The marking proxy on loopback Kestrel, configured with in-memory settings.</summary>
internal sealed class ProxyServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProxyServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ProxyServer> StartAsync(
        IDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null, MasterKey? masterKey = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(new CanaryKeyRing(masterKey ?? MasterKey.Generate()));
        builder.Services.AddCanaryProxy(builder.Configuration);
        configureServices?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        app.MapCanaryProxy();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new ProxyServer(app, new Uri(address));
    }

    /// <summary>A marker that swaps words with <see cref="WordSwapMarking"/>.</summary>
    public static void UseWordSwapMarking(IServiceCollection services) => services.AddSingleton<IResponseMarker, WordSwapMarker>();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class WordSwapMarker : IResponseMarker
    {
        public ValueTask<IResponseMarking> BeginAsync(string accountId, string promptText, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IResponseMarking>(new WordSwapMarking());
    }
}
