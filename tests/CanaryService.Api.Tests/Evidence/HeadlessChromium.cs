using System.Diagnostics;

namespace CanaryService.Api.Tests.Evidence;

/// <summary>Debian's <c>chromium</c> in headless mode: screenshots and the rendered DOM of a page.</summary>
internal static class HeadlessChromium
{
    public static string Executable => FindOnPath("chromium") ?? FindOnPath("chromium-browser")
        ?? throw new InvalidOperationException("Headless Chromium is required by this test: install it with 'apt-get install -y chromium' (.ci/run does).");

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

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
