using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Azure.Data.Tables;
using CanaryService.Reliability.Tests.Hostile;
using CanaryService.Reliability.Tests.Infrastructure;
using CanaryService.Testing.Upstream;

namespace CanaryService.Reliability.Tests.Soak;

/// <summary>What a soak run measured.</summary>
internal sealed record SoakFigures(
    TimeSpan Duration, double Rate, int Requests, int Streamed, int Failures, IReadOnlyList<string> FailureSamples,
    long RssStartBytes, long RssPeakBytes, long RssEndBytes, IReadOnlyList<long> RssSamples, long IssuedResponses)
{
    public override string ToString()
    {
        string rss = string.Join(' ', RssSamples.Select(Mb));
        string failures = FailureSamples.Count > 0 ? "; failures: " + string.Join(" | ", FailureSamples) : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"duration {Duration.TotalSeconds:F0} s at {Rate} req/s: {Requests} requests ({Streamed} streamed), {Failures} failed; RSS start {Mb(RssStartBytes)} MB, peak {Mb(RssPeakBytes)} MB, end {Mb(RssEndBytes)} MB; issuance rows {IssuedResponses} for {Requests - Failures} answered; RSS samples (MB, every 10 s): {rss}{failures}");
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("F0", CultureInfo.InvariantCulture);
}

/// <summary>
/// The soak: the Host binary as a process of its own (so its RSS is its own), Azurite, a loopback fake upstream, and
/// a paced load loop of mixed streaming and non-streaming chat completions over several accounts.
/// </summary>
internal static class SoakRun
{
    private const int MaxInFlight = 64;
    private const int Accounts = 8;

    public static async Task<SoakFigures> RunAsync(TimeSpan duration, double rate, Action<string> log)
    {
        await using var azurite = await CanaryService.DevStorage.AzuriteEmulator.StartAsync();
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        upstream.Handler = EchoUpstream.HandleAsync;
        int port = FreePort();
        string issuanceTable = "Soak" + Guid.NewGuid().ToString("N")[..10];
        string run = Guid.NewGuid().ToString("N")[..8];
        using Process host = StartHost(port, azurite.ConnectionString, issuanceTable, upstream.BaseAddress);
        try
        {
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = MaxInFlight })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
                Timeout = TimeSpan.FromSeconds(60),
            };
            await WaitHealthyAsync(client, host);
            log($"host pid {host.Id} on port {port}");

            var rss = new List<long> { Rss(host) };
            int total = (int)(duration.TotalSeconds * rate);
            int failures = 0;
            int streamed = 0;
            var samples = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using var gate = new SemaphoreSlim(MaxInFlight);
            var inFlight = new List<Task>(total);
            var clock = Stopwatch.StartNew();
            TimeSpan nextSample = TimeSpan.FromSeconds(10);
            for (int i = 0; i < total; i++)
            {
                TimeSpan due = TimeSpan.FromSeconds(i / rate);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed);
                }

                if (clock.Elapsed >= nextSample)
                {
                    rss.Add(Rss(host));
                    log(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:F0} s: {i} sent, {failures} failed, RSS {rss[^1] / 1048576} MB"));
                    nextSample += TimeSpan.FromSeconds(10);
                }

                bool stream = i % 2 == 1;
                streamed += stream ? 1 : 0;
                await gate.WaitAsync();
                int n = i;
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        string? failure = await SendOneAsync(client, n, stream, run);
                        if (failure is not null)
                        {
                            Interlocked.Increment(ref failures);
                            if (samples.Count < 5)
                            {
                                samples.Enqueue(failure);
                            }
                        }
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }

            await Task.WhenAll(inFlight);
            rss.Add(Rss(host));
            long issued = await WaitForIssuanceAsync(azurite.ConnectionString, issuanceTable, run, total - failures);
            long end = Rss(host);
            return new SoakFigures(clock.Elapsed, rate, total, streamed, failures, [.. samples], rss[0], Math.Max(rss.Max(), end), end, rss, issued);
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
                await host.WaitForExitAsync();
            }
        }
    }

    private static async Task<string?> SendOneAsync(HttpClient client, int n, bool stream, string run)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
            {
                Content = new StringContent(HostileCase.UserMessage(
                    "Typically, many people find that it helps to start small. However, the most important thing is to keep going. Request " + n,
                    stream ? ",\"stream\":true" : ""), Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("x-account", AccountOf(run, n));
            using HttpResponseMessage response = await client.SendAsync(request);
            string body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return $"#{n}: {(int)response.StatusCode} {body[..Math.Min(200, body.Length)]}";
            }

            _ = stream ? AnswerShape.AssertStream(body) : AnswerShape.AssertCompletion(body);
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException or Xunit.Sdk.XunitException or KeyNotFoundException)
        {
            return $"#{n}: {ex.GetType().Name}: {ex.Message}";
        }
    }

    private static string AccountOf(string run, int n) => $"soak-{run}-{n % Accounts}";

    /// <summary>Polls the issuance table (bounded) until it counts <paramref name="expected"/> responses; returns the last count.</summary>
    private static async Task<long> WaitForIssuanceAsync(string connectionString, string tableName, string run, long expected)
    {
        var table = new TableClient(connectionString, tableName);
        long count = 0;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            count = 0;
            for (int a = 0; a < Accounts; a++)
            {
                string account = AccountOf(run, a);
                await foreach (TableEntity row in table.QueryAsync<TableEntity>(e => e.PartitionKey == account))
                {
                    if (row.GetString("Topic") is null)
                    {
                        count += row.GetInt64("Responses") ?? 0;
                    }
                }
            }

            if (count >= expected)
            {
                break;
            }

            await Task.Delay(500);
        }

        return count;
    }

    private static Process StartHost(int port, string storage, string issuanceTable, Uri upstream)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "CanaryService.Host.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach ((string key, string? value) in ReliabilityHost.Settings(storage, upstream, [
            new("Storage:IssuanceTable", issuanceTable),
            new("Storage:IssuanceFlushInterval", "00:00:00.500"),
            new("Proxy:AccountHeader", "x-account"),
            new("Upstream:Timeout", "00:00:30")]))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start the Host");
        // Drain its output so it never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitHealthyAsync(HttpClient client, Process host)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (host.HasExited)
            {
                throw new InvalidOperationException($"the Host exited with {host.ExitCode}");
            }

            try
            {
                using HttpResponseMessage response = await client.GetAsync(new Uri("healthz", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("the Host did not become healthy");
    }

    private static long Rss(Process process)
    {
        string? line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
