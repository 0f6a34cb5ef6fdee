using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CanaryService.Testing.Hosting;

/// <summary>
/// A web application running on loopback Kestrel (127.0.0.1, a port the OS picks) with the address it bound read
/// back, so tests talk to it over real HTTP and never collide on ports.
/// </summary>
public sealed class LoopbackHost : IAsyncDisposable
{
    private readonly Lazy<HttpClient> _client;
    private int _stopped;

    private LoopbackHost(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        _client = new Lazy<HttpClient>(() => new HttpClient { BaseAddress = baseAddress });
    }

    /// <summary>
    /// Command-line arguments that bind an application built by someone else's builder (the Host's) to loopback:
    /// pass them with its other arguments, then <see cref="StartAsync(WebApplication, CancellationToken)"/> it.
    /// </summary>
    public static IReadOnlyList<string> UrlsArguments { get; } = ["--urls", "http://127.0.0.1:0"];

    /// <summary>The running application.</summary>
    public WebApplication App { get; }

    /// <summary>Its services.</summary>
    public IServiceProvider Services => App.Services;

    /// <summary>Where it listens, ending in <c>/</c>, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client whose base address is <see cref="BaseAddress"/> (disposed with the host).</summary>
    public HttpClient Client => _client.Value;

    /// <summary>A slim builder with logging cleared and Kestrel bound to 127.0.0.1 on a free port.</summary>
    public static WebApplicationBuilder CreateBuilder()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        return builder;
    }

    /// <summary>Builds (<paramref name="configure"/> on <see cref="CreateBuilder"/>), maps (<paramref name="map"/>) and starts an application.</summary>
    public static Task<LoopbackHost> StartAsync(Action<WebApplicationBuilder> configure, Action<WebApplication> map, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(map);
        WebApplicationBuilder builder = CreateBuilder();
        configure(builder);
        WebApplication app = builder.Build();
        map(app);
        return StartAsync(app, cancellationToken);
    }

    /// <summary>
    /// Starts <paramref name="app"/> (bound to loopback by <see cref="CreateBuilder"/> or <see cref="UrlsArguments"/>) and
    /// reads back its address. The host owns the application from here: when starting fails it is disposed and the
    /// error rethrown.
    /// </summary>
    public static async Task<LoopbackHost> StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new LoopbackHost(app, AddressOf(app));
    }

    /// <summary>The address a started application bound, ending in <c>/</c>.</summary>
    public static Uri AddressOf(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new Uri(address.TrimEnd('/') + "/");
    }

    /// <summary>Stops the application as a shutdown would (its hosted services stop); <see cref="DisposeAsync"/> still follows.</summary>
    /// <remarks>Only the first call stops it: a test that stopped the host to observe its shutdown need not track that.</remarks>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        Interlocked.Exchange(ref _stopped, 1) == 0 ? App.StopAsync(cancellationToken) : Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }

        await StopAsync();
        await App.DisposeAsync();
    }
}
