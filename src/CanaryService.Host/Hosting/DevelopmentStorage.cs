using CanaryService.Core.Keys;
using CanaryService.DevStorage;

namespace CanaryService.Host.Hosting;

/// <summary>
/// Azurite, in memory on free loopback ports, for a Development host that has no storage configured (and for the
/// drill). Outside Development a missing storage setting stays a startup error: production data must never land in
/// an emulator by accident.
/// </summary>
internal sealed class DevelopmentStorage : IAsyncDisposable
{
    private readonly AzuriteEmulator _emulator;

    private DevelopmentStorage(AzuriteEmulator emulator) => _emulator = emulator;

    /// <summary>The emulator's connection string.</summary>
    public string ConnectionString => _emulator.ConnectionString;

    /// <summary>The emulator's table endpoint (for the log line; it carries no secret of ours).</summary>
    public string TableEndpoint => ConnectionString.Split(';').FirstOrDefault(p => p.StartsWith("TableEndpoint=", StringComparison.Ordinal))?["TableEndpoint=".Length..] ?? "";

    /// <summary>Starts Azurite when <paramref name="configuration"/> names no storage and the environment is Development.</summary>
    public static async Task<DevelopmentStorage?> StartIfNeededAsync(IConfiguration configuration, IHostEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        bool configured = !string.IsNullOrWhiteSpace(configuration["Storage:ConnectionString"])
            || !string.IsNullOrWhiteSpace(configuration["Storage:TableServiceUri"]);
        if (configured || !environment.IsDevelopment())
        {
            return null;
        }

        return await StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts Azurite (installing the npm package pinned in package.json when it is missing).</summary>
    /// <exception cref="CanaryConfigurationException">Azurite cannot be found or started; the message says what to do.</exception>
    public static async Task<DevelopmentStorage> StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            return new DevelopmentStorage(await AzuriteEmulator.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is AzuriteStartException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            throw new CanaryConfigurationException(
                "No storage is configured and the Azurite emulator could not be started (Node.js and npm are needed; " +
                "the package is pinned in the repository's package.json). Set Storage:ConnectionString instead. Cause: " + ex.Message, ex);
        }
    }

    public ValueTask DisposeAsync() => _emulator.DisposeAsync();
}
