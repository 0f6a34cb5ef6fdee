using System.Diagnostics;

namespace CanaryService.Deployment.Tests.Bicep;

/// <summary>
/// The Bicep CLI, obtained exactly as CI obtains it: <c>.ci/bicep.sh install</c> restores the NuGet package
/// Azure.Bicep.CommandLine.linux-x64 into <c>.tools/</c> (once) and prints the executable's path.
/// </summary>
internal sealed class BicepCli
{
    private readonly string _executable;

    private BicepCli(string executable) => _executable = executable;

    /// <summary>The repository root (the folder holding CanaryService.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static async Task<BicepCli> InstallAsync()
    {
        string output = await RunAsync("bash", [Path.Combine(".ci", "bicep.sh"), "install"], RepositoryRoot, environment: null);
        string executable = output.Trim().Split('\n')[^1].Trim();
        Assert.True(File.Exists(executable), $"bicep.sh install did not produce an executable: '{executable}'");
        return new BicepCli(executable);
    }

    /// <summary>Runs <c>bicep {arguments}</c>; fails the test with the CLI's output when it exits non-zero.</summary>
    public Task<string> RunAsync(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        RunAsync(_executable, arguments, RepositoryRoot, environment);

    private static async Task<string> RunAsync(
        string fileName, IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        string output = await stdout;
        string errors = await stderr;
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output}\n{errors}");
        return output;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CanaryService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CanaryService.sln not found above " + AppContext.BaseDirectory);
    }
}
