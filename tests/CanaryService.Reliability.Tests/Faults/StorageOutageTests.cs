using CanaryService.DevStorage;
using CanaryService.Reliability.Tests.Infrastructure;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Reliability.Tests.Faults;

/// <summary>
/// Storage (Azurite) killed and restarted while the proxy serves mixed streaming and non-streaming traffic: every
/// caller is answered, the issuance events wait in the queue and are all written once storage is back, exactly.
/// </summary>
/// <remarks>
/// Azurite runs in memory (its own instance: the shared one is never killed), so a kill also wipes what was written
/// before it; the test therefore checks the count before the kill, then counts what was issued from the kill on,
/// which must all have waited in the proxy's queue.
/// Each test runs its own Azurite, so this class runs beside the shared collection (its waits are mostly the SDK's
/// retry delays).
/// </remarks>
[Trait("Category", "Integration")]
public sealed class StorageOutageTests
{
    private const int Concurrency = 4;

    [Fact]
    public async Task Storage_killed_and_restarted_under_load_fails_no_request_and_loses_no_issuance()
    {
        await using AzuriteEmulator azurite = await AzuriteEmulator.StartAsync();
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        upstream.Handler = EchoUpstream.HandleAsync;
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(azurite.ConnectionString, upstream.BaseAddress);
        string account = host.AccountOf("outage");

        // Before: storage is up.
        Assert.Equal(0, await LoadAsync(host, 40));
        await host.WaitUntilIdleAsync();
        await host.FlushIssuanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(40, await host.IssuedResponsesAsync(account));

        // Kill it: requests still succeed; issuance waits in the queue.
        await azurite.KillAsync();
        Assert.Equal(0, await LoadAsync(host, 60));
        Assert.False(host.Services.GetRequiredService<CanaryService.Core.Issuance.IIssuanceLog>().FlushAsync().IsCompleted);

        // Restart it while traffic goes on.
        Task<int> during = LoadAsync(host, 60);
        await azurite.RestartAsync();
        Assert.Equal(0, await during);
        Assert.Equal(0, await LoadAsync(host, 20));

        await host.WaitUntilIdleAsync();
        await host.FlushIssuanceAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(60 + 60 + 20, await host.IssuedResponsesAsync(account));
        var log = (CanaryService.Storage.Issuance.TableIssuanceLog)host.Services.GetRequiredService<CanaryService.Core.Issuance.IIssuanceLog>();
        Assert.Equal(0, log.DroppedCount);
        Assert.Equal(0, log.PendingCount);
        // What the caller saw: every request answered (above). What was recorded: every issuance, exactly, none dropped.
    }

    [Fact]
    public async Task The_evidence_API_answers_an_OpenAI_shaped_503_while_storage_is_down_and_recovers()
    {
        // A persistent Azurite stopped (not killed) so its tables outlive the outage, as a real account's do.
        string data = Directory.CreateTempSubdirectory("azurite-outage-").FullName;
        try
        {
            await EvidenceDuringOutageAsync(data);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task EvidenceDuringOutageAsync(string data)
    {
        await using AzuriteEmulator azurite = await AzuriteEmulator.StartAsync(new AzuriteEmulatorOptions { DataDirectory = data });
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(azurite.ConnectionString, upstream.BaseAddress);
        Assert.Equal(200, (await host.SendAsync(ReliabilityHost.Admin(HttpMethod.Get, "api/competitors"))).Status);

        await azurite.StopAsync();
        foreach (string path in new[] { "api/competitors", "api/ledger/verify" })
        {
            Reply reply = await host.SendAsync(ReliabilityHost.Admin(HttpMethod.Get, path), TimeSpan.FromSeconds(60));
            Assert.True(reply.Status == 503, $"{path}: {reply}");
            Hostile.AnswerShape.AssertOpenAIError(reply);
        }

        await azurite.RestartAsync();
        Assert.Equal(200, (await host.SendAsync(ReliabilityHost.Admin(HttpMethod.Get, "api/competitors"), TimeSpan.FromSeconds(60))).Status);
        Assert.Equal(200, (await host.SendAsync(ReliabilityHost.Admin(HttpMethod.Get, "api/ledger/verify"), TimeSpan.FromSeconds(60))).Status);
    }

    /// <summary>Sends <paramref name="count"/> requests (every third streamed), <see cref="Concurrency"/> at a time; returns how many failed.</summary>
    private static async Task<int> LoadAsync(ReliabilityHost host, int count)
    {
        int next = -1;
        int failures = 0;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is int i && i < count)
            {
                bool stream = i % 3 == 0;
                try
                {
                    Reply reply = await host.SendAsync(ReliabilityHost.Chat(Hostile.HostileCase.UserMessage(
                        "Typically, many people find that it helps to start small. Request " + i, stream ? ",\"stream\":true" : ""), "outage"), TimeSpan.FromSeconds(30));
                    Hostile.AnswerShape.AssertAnswer(reply);
                }
                catch (Exception ex) when (ex is Xunit.Sdk.XunitException or HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        return failures;
    }
}
