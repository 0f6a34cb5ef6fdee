using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CanaryService.Application;
using CanaryService.Application.Configuration;
using CanaryService.Application.Proxy;
using CanaryService.Core.Keys;
using CanaryService.Storage.Setup;
using Microsoft.Extensions.Options;

namespace CanaryService.Host.Hosting;

/// <summary>
/// Builds the Host's web application: every service from <c>AddCanaryService</c>, the probe scheduler, the worker of
/// long operations, the admin-key
/// guard, the evidence API, <c>/healthz</c> and the proxy. <c>Program</c> and the drill start it the same way.
/// </summary>
internal static partial class CanaryWebApplication
{
    /// <summary>
    /// Builds the application. Storage comes from configuration; when none is configured and the environment is
    /// Development, <see cref="DevelopmentStorage"/> starts Azurite and points the app at it.
    /// </summary>
    /// <exception cref="CanaryConfigurationException">A setting is missing or invalid (the message says which).</exception>
    public static async Task<WebApplication> BuildAsync(
        string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        DevelopmentStorage? storage = await DevelopmentStorage.StartIfNeededAsync(builder.Configuration, builder.Environment, cancellationToken).ConfigureAwait(false);
        if (storage is not null)
        {
            builder.Configuration.AddInMemoryCollection([new("Storage:ConnectionString", storage.ConnectionString)]);
            builder.Services.AddSingleton(storage);
        }

        builder.Services.AddCanaryService(builder.Configuration);
        builder.Services.AddCanaryProbeScheduler();
        builder.Services.AddCanaryOperationWorker();

        WebApplication app = builder.Build();
        try
        {
            // Resolving what configuration feeds here turns a mistake into one clear startup error instead of a
            // stack trace from the first request or hosted service that needs it.
            _ = app.Services.GetRequiredService<CanaryKeyRing>();
            _ = app.Services.GetRequiredService<TableServiceClient>();
            _ = app.Services.GetRequiredService<BlobServiceClient>();
            _ = app.Services.GetRequiredService<IOptions<ProbeOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<EvidenceOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<CanaryService.Application.Lineage.Sampling.LineageSamplingOptions>>().Value;
            app.UseCanaryAdminKey();
            app.MapGet("/healthz", () => Results.Text("ok"));
            app.MapCanaryEvidenceApi();
            app.MapCanaryLineageApi();
            app.MapCanaryProxy();
        }
        catch (OptionsValidationException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new CanaryConfigurationException(string.Join(" ", ex.Failures), ex);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (storage is not null)
        {
            app.Lifetime.ApplicationStopped.Register(() => storage.DisposeAsync().AsTask().GetAwaiter().GetResult());
            LogDevelopmentStorage(app.Logger, storage.TableEndpoint);
        }

        return app;
    }

    /// <summary>Waits until the tables and the transcript container exist (or the storage gave up).</summary>
    public static Task WaitForStorageAsync(this WebApplication app, TimeSpan timeout) =>
        app.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No storage is configured: using Azurite (in memory, Development only) at {Endpoint}. Set Storage:ConnectionString to keep data.")]
    private static partial void LogDevelopmentStorage(ILogger logger, string endpoint);
}
