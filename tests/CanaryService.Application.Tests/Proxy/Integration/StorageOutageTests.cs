using System.Collections.Concurrent;
using CanaryService.DevStorage;
using CanaryService.Testing.Upstream;
using OpenAI.Chat;

namespace CanaryService.Application.Tests.Proxy.Integration;

/// <summary>
/// Azurite killed while callers are being served, then started again: every request is still answered (marked),
/// and afterwards the issuance rows count every marked response exactly. Uses its own Azurite with a data folder
/// (the shared one runs in memory and would lose everything on restart, and other tests use it).
/// </summary>
[Trait("Category", "Integration")]
public sealed class StorageOutageTests
{
    private const string HeaderKey = "sk-outage-header-0001", AlphaKey = "sk-outage-alpha-0002", BetaKey = "sk-outage-beta-0003";

    [Fact]
    public async Task Every_request_is_served_while_Azurite_is_down_and_afterwards_no_issuance_row_is_missing()
    {
        string data = Path.Combine(Path.GetTempPath(), "azurite-proxy-outage-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using AzuriteEmulator emulator = await AzuriteEmulator.StartAsync(new AzuriteEmulatorOptions { DataDirectory = data });
            await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
            EngineMarks.Serve(upstream, EngineMarks.Answer, new Random(17));
            // Writes happen only when the test flushes, so it knows what Azurite had saved when it is killed.
            await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(emulator.ConnectionString, upstream.BaseAddress,
                [new("Storage:IssuanceFlushInterval", "01:00:00")]);

            (ChatClient Client, string Account)[] callers =
            [
                (service.Client(HeaderKey, account: "acct-outage"), "acct-outage"),
                (service.Client(AlphaKey), MarkingServiceHost.AccountOfKey(AlphaKey)),
                (service.Client(BetaKey), MarkingServiceHost.AccountOfKey(BetaKey)),
            ];
            var served = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            var failures = new ConcurrentQueue<Exception>();
            int sent = 0;
            using var stop = new CancellationTokenSource();
            Task[] traffic = [.. Enumerable.Range(0, 3).Select(worker => Task.Run(async () =>
            {
                for (int i = worker; !stop.IsCancellationRequested; i += 3)
                {
                    (ChatClient client, string account) = callers[i % callers.Length];
                    try
                    {
                        string text = i % 2 == 0
                            ? (await client.CompleteChatAsync([new UserChatMessage("When do cafés open?")])).Value.Content[0].Text
                            : (await MarkingProxyIntegrationTests.StreamAsync(client, "When do cafés open?")).Text;
                        EngineMarks.AssertCarriesKeyedChoices(text, account, "nobody");
                        served.AddOrUpdate(account, 1, (_, n) => n + 1);
                    }
                    catch (Exception exception)
                    {
                        failures.Enqueue(exception);
                    }

                    Interlocked.Increment(ref sent);

                    // Steady traffic, not saturation: Azurite has to start again on the same two cores.
                    await Task.Delay(10);
                }
            }))];

            async Task TrafficAsync(int requests)
            {
                int target = Volatile.Read(ref sent) + requests;
                while (Volatile.Read(ref sent) < target && failures.IsEmpty)
                {
                    await Task.Delay(10);
                }
            }

            // Before the kill: written and saved by Azurite (a kill loses what it acknowledged but had not yet saved
            // to its data folder, which real storage never does, so wait for the save).
            await TrafficAsync(30);
            await service.Issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
            DateTime flushed = DateTime.UtcNow;
            string tableFile = Path.Combine(data, "__azurite_db_table__.json");
            while (File.GetLastWriteTimeUtc(tableFile) <= flushed)
            {
                await Task.Delay(50);
            }

            await emulator.KillAsync();
            await TrafficAsync(60);
            Task flushDuringOutage = service.Issuance.FlushAsync();
            await TrafficAsync(30);
            Assert.False(flushDuringOutage.IsCompleted);

            await emulator.RestartAsync();
            await TrafficAsync(30);
            await stop.CancelAsync();
            await Task.WhenAll(traffic);
            await flushDuringOutage.WaitAsync(TimeSpan.FromSeconds(60));

            // A response reaches its caller just before the proxy records it; stopping the host lets the requests in
            // flight finish, then the issuance log writes what is left.
            await service.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Empty(failures);
            Assert.Equal(Volatile.Read(ref sent), served.Values.Sum());
            Dictionary<string, (long Responses, long MarkedChoices)> issued = await MarkingProxyIntegrationTests.IssuanceByAccountAsync(service);
            Assert.Equal(
                served.ToDictionary(s => s.Key, s => ((long)s.Value, (long)s.Value)).OrderBy(s => s.Key, StringComparer.Ordinal),
                issued.OrderBy(s => s.Key, StringComparer.Ordinal));
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder.
            }
        }
    }
}
