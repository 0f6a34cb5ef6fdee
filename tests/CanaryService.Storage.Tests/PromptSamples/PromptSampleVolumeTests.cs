using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.Storage.PromptSamples;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.PromptSamples;

/// <summary>The prompt sample at volume: many prompts from several threads while the writer writes, every window exact.</summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class PromptSampleVolumeTests(AzuriteFixture azurite)
{
    private static readonly byte[] Key = System.Security.Cryptography.SHA256.HashData("prompt-sample-volume-tests"u8);

    [Fact]
    public async Task Fifty_thousand_prompts_from_four_threads_leave_exactly_each_windows_bottom_K_in_storage()
    {
        const int Prompts = 50_000;
        const int Accounts = 50;
        const int PerWindow = 40;
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "psvolume");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        StorageOptions options = StorageClients.FastOptions();
        options.PromptSamplesPerWindow = PerWindow;
        options.PromptSampleQueueCapacity = Prompts; // so that no scheduling of the threads can fill it: any drop is a defect
        options.PromptSampleFlushInterval = TimeSpan.FromMilliseconds(20);
        options.IssuanceShutdownTimeout = TimeSpan.FromSeconds(30);
        var log = new TablePromptSampleLog(table, options, Key);
        await log.StartAsync(CancellationToken.None);

        // Two windows (today and yesterday) per account, 500 prompts each, every prompt asked twice.
        (string Account, DateTimeOffset At, string Prompt) Sample(int i) =>
            ($"acct-{i % Accounts:D2}", now.AddDays(-(i / Accounts % 2)), $"How do I tune part {i % (Prompts / 2)} of my garden pump?");
        try
        {
            await Parallel.ForAsync(0, 4, async (thread, ct) =>
            {
                for (int i = thread; i < Prompts; i += 4)
                {
                    (string account, DateTimeOffset at, string prompt) = Sample(i);
                    Assert.True(log.Record(new PromptSample(account, at, prompt)));
                    if (i % 5000 < 4)
                    {
                        await Task.Yield();
                    }
                }
            });

            await log.FlushAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(0, log.DroppedCount);
            Assert.Equal(0, log.PendingCount);

            PromptSampleKeys keys = new(Key, options.PromptSampleWindow);
            Dictionary<(string, string), List<string>> stored = [];
            await foreach (TableEntity row in table.QueryAsync<TableEntity>())
            {
                string window = row.RowKey[..PromptSampleKeys.WindowLength];
                (string, string) key = (row.GetString("Account")!, window);
                if (!stored.TryGetValue(key, out List<string>? prompts))
                {
                    stored[key] = prompts = [];
                }

                prompts.Add(row.GetString("Prompt")!);
            }

            var expected = Enumerable.Range(0, Prompts).Select(Sample)
                .GroupBy(s => (s.Account, PromptSampleKeys.Window(keys.WindowStart(s.At))))
                .ToDictionary(g => g.Key, g => g.Select(s => s.Prompt).Distinct()
                    .OrderBy(p => keys.Priority(g.Key.Account, g.Key.Item2, p)).Take(PerWindow).Order(StringComparer.Ordinal).ToArray());
            Assert.Equal(2 * Accounts, expected.Count);
            Assert.Equal(expected.Keys.Order(), stored.Keys.Order());
            foreach (((string, string) key, string[] prompts) in expected)
            {
                Assert.Equal(prompts, stored[key].Order(StringComparer.Ordinal));
            }
        }
        finally
        {
            await log.StopAsync(CancellationToken.None);
            log.Dispose();
        }
    }
}
