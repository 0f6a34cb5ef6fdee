using System.Diagnostics;

namespace CanaryService.Application.Tests.Evidence;

/// <summary>Debian's <c>chromium</c> in headless mode: screenshots and the rendered DOM of a page.</summary>
/// <remarks>
/// When it is missing and the tests run as root on a machine with apt-get (a fresh CI or development VM), it is installed
/// first, as the Azurite fixture runs <c>npm ci</c>: the README's <c>dotnet test</c> then works on a fresh machine too.
/// </remarks>
internal static class HeadlessChromium
{
    private static readonly Lazy<string> Found = new(FindOrInstall, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Executable => Found.Value;

    /// <summary>Takes a screenshot of <paramref name="url"/> into <paramref name="file"/>.</summary>
    public static Task ScreenshotAsync(Uri url, string file) => RunAsync($"--screenshot={file} --window-size=1200,900 {url.AbsoluteUri}");

    /// <summary>The DOM of <paramref name="url"/> after rendering.</summary>
    public static Task<string> DumpDomAsync(Uri url) => RunAsync($"--dump-dom {url.AbsoluteUri}");

    private static async Task<string> RunAsync(string arguments)
    {
        string profile = Path.Combine(Path.GetTempPath(), "chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        try
        {
            ProcessStartInfo start = new(Executable,
                "--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update " +
                $"--disable-sync --no-first-run --user-data-dir={profile} {arguments}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("Chromium did not finish within 60 s: " + await stderr);
            }

            string output = await stdout;
            Assert.True(process.ExitCode == 0, $"Chromium exited with {process.ExitCode}: {await stderr}");
            return output;
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // Chromium may still hold a lock file for a moment; the temp directory is cleaned by the OS.
            }
        }
    }

    private static string FindOrInstall()
    {
        string? found = FindOnPath("chromium") ?? FindOnPath("chromium-browser");
        if (found is null && Environment.IsPrivilegedProcess && FindOnPath("apt-get") is { } aptGet)
        {
            RunInstaller(aptGet, "update -qq");
            RunInstaller(aptGet, "install -y -qq --no-install-recommends chromium");
            found = FindOnPath("chromium");
        }

        return found ?? throw new InvalidOperationException(
            "Headless Chromium is required by this test: install it with 'apt-get install -y chromium' (.ci/run does; run as root, the test does it itself).");
    }

    private static void RunInstaller(string aptGet, string arguments)
    {
        ProcessStartInfo start = new(aptGet, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"apt-get {arguments} did not finish within 10 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"apt-get {arguments} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
