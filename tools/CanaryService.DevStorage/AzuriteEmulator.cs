using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CanaryService.DevStorage;

/// <summary>
/// Runs the Azurite storage emulator (the npm package pinned in the repository's <c>package.json</c>) as a
/// child process on loopback. Used by the test fixtures, by the Host in Development when no storage is
/// configured, and by the drill.
/// </summary>
/// <remarks>
/// Ports are chosen by Azurite itself (port 0) on first start and reused on <see cref="RestartAsync"/>, so
/// clients keep working across a restart. In-memory mode loses data on stop; pass a data folder to
/// <see cref="AzuriteEmulatorOptions.DataDirectory"/> to keep it across restarts.
/// </remarks>
public sealed partial class AzuriteEmulator : IAsyncDisposable
{
    /// <summary>The well-known development account name every Azurite instance accepts.</summary>
    public const string AccountName = "devstoreaccount1";

    // The published development-storage key; it only ever opens the local emulator.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly AzuriteEmulatorOptions _options;
    private readonly string _packageRoot;
    private Process? _process;
    private int _blobPort;
    private int _queuePort;
    private int _tablePort;

    private AzuriteEmulator(AzuriteEmulatorOptions options, string packageRoot)
    {
        _options = options;
        _packageRoot = packageRoot;
    }

    /// <summary>The connection string for the running emulator (blob, queue and table endpoints).</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture,
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_blobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{_queuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{_tablePort}/{AccountName};");

    /// <summary>Whether the emulator process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>
    /// Starts Azurite, installing the pinned npm package first (<c>npm ci</c>) when it is missing.
    /// </summary>
    public static async Task<AzuriteEmulator> StartAsync(AzuriteEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AzuriteEmulatorOptions();
        string root = options.PackageRoot ?? FindPackageRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException(
                "Cannot find the repository's package.json (with the azurite package) above " + AppContext.BaseDirectory +
                ". Set AzuriteEmulatorOptions.PackageRoot or configure a storage connection string.");
        await EnsureInstalledAsync(root, cancellationToken).ConfigureAwait(false);
        var emulator = new AzuriteEmulator(options, root);
        await emulator.LaunchAsync(cancellationToken).ConfigureAwait(false);
        return emulator;
    }

    /// <summary>
    /// Stops the emulator: politely first (SIGTERM, so a persistent instance saves its tables), then by force.
    /// </summary>
    public Task StopAsync() => StopCoreAsync(graceful: true);

    /// <summary>Kills the emulator at once, as a crash or a network outage would take it away.</summary>
    public Task KillAsync() => StopCoreAsync(graceful: false);

    private async Task StopCoreAsync(bool graceful)
    {
        Process? process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        try
        {
            if (graceful && !OperatingSystem.IsWindows() && !process.HasExited)
            {
                using Process? term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                if (term is not null)
                {
                    await term.WaitForExitAsync().ConfigureAwait(false);
                }

                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // It did not stop in time; the kill below ends it.
                }
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited between the check and the kill.
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>Starts the emulator again on the same ports after <see cref="StopAsync"/>.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync().ConfigureAwait(false);
        await LaunchAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await KillAsync().ConfigureAwait(false);

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        // Reusing fixed ports right after a kill can briefly fail while the OS releases them; retry a few times.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await LaunchOnceAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AzuriteStartException) when (attempt < 5 && _blobPort != 0)
            {
                await Task.Delay(200 * attempt, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task LaunchOnceAsync(CancellationToken cancellationToken)
    {
        string script = Path.Combine(_packageRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _options.DataDirectory ?? Path.GetTempPath(),
        };
        start.ArgumentList.Add(script);
        foreach (string arg in new[] { "--skipApiVersionCheck", "--disableProductStyleUrl", "--loose", "--silent" })
        {
            start.ArgumentList.Add(arg);
        }

        if (_options.DataDirectory is { } dataDirectory)
        {
            Directory.CreateDirectory(dataDirectory);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(dataDirectory);
        }
        else
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }

        foreach ((string service, int port) in new[] { ("blob", _blobPort), ("queue", _queuePort), ("table", _tablePort) })
        {
            start.ArgumentList.Add($"--{service}Host");
            start.ArgumentList.Add("127.0.0.1");
            start.ArgumentList.Add($"--{service}Port");
            start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        }

        var process = new Process { StartInfo = start };
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ports = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var output = new System.Text.StringBuilder();
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                if (output.Length < 8192)
                {
                    output.AppendLine(line);
                }

                Match match = ListeningLine().Match(line);
                if (match.Success)
                {
                    ports[match.Groups["service"].Value] = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
                    if (ports.Count == 3)
                    {
                        ready.TrySetResult();
                    }
                }
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new AzuriteStartException("Azurite exited during start-up:\n" + Snapshot(output)));
        if (!process.Start())
        {
            throw new AzuriteStartException("Could not start node for Azurite.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(_options.StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or AzuriteStartException or OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It had already exited.
            }

            process.Dispose();
            if (ex is OperationCanceledException)
            {
                throw;
            }

            throw new AzuriteStartException("Azurite did not start: " + ex.Message + "\n" + Snapshot(output), ex);
        }

        lock (output)
        {
            _blobPort = ports["Blob"];
            _queuePort = ports["Queue"];
            _tablePort = ports["Table"];
        }

        _process = process;
    }

    private static string Snapshot(System.Text.StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static async Task EnsureInstalledAsync(string root, CancellationToken cancellationToken)
    {
        string script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");

        // Several test processes may start at once on a fresh clone: one installs, the others wait for it. The
        // check happens under the lock because npm writes azurite.js long before the rest of the package, so a
        // process that looked without the lock could start a half-installed Azurite.
        string lockPath = Path.Combine(root, ".azurite-install.lock");
        using FileStream gate = await AcquireLockAsync(lockPath, cancellationToken).ConfigureAwait(false);
        if (File.Exists(script))
        {
            return;
        }

        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "ci", "--no-audit", "--no-fund", "--ignore-scripts" })
        {
            start.ArgumentList.Add(arg);
        }

        using Process npm = Process.Start(start) ?? throw new AzuriteStartException("Could not start npm (is Node.js installed?).");
        Task<string> stdout = npm.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = npm.StandardError.ReadToEndAsync(cancellationToken);
        await npm.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (npm.ExitCode != 0 || !File.Exists(script))
        {
            throw new AzuriteStartException(
                $"'npm ci' in {root} failed with exit code {npm.ExitCode}:\n{await stdout.ConfigureAwait(false)}\n{await stderr.ConfigureAwait(false)}");
        }
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Finds the nearest folder at or above <paramref name="start"/> whose package.json names azurite.</summary>
    public static string? FindPackageRoot(string start)
    {
        for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "package.json");
            if (File.Exists(candidate) && File.ReadAllText(candidate).Contains("\"azurite\"", StringComparison.Ordinal))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at https?://[^:]+:(?<port>\d+)")]
    private static partial Regex ListeningLine();
}

/// <summary>Options for <see cref="AzuriteEmulator"/>.</summary>
public sealed class AzuriteEmulatorOptions
{
    /// <summary>The folder holding package.json and node_modules; found by walking up from the app when null.</summary>
    public string? PackageRoot { get; set; }

    /// <summary>A folder for persistent data; null runs in memory.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>How long to wait for the three services to listen.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>Azurite could not be installed or started.</summary>
public sealed class AzuriteStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AzuriteStartException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public AzuriteStartException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception.</summary>
    public AzuriteStartException() { }
}
