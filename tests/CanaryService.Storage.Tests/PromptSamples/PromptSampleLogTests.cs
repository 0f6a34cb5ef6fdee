using System.Diagnostics;
using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.DevStorage;
using CanaryService.Storage.PromptSamples;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.PromptSamples;

/// <summary>
/// What only the table does (the sample's semantics are <see cref="PromptSampleLogContract"/>'s): merge the writes of
/// several instances into one bottom-K, hold no more than K rows a window, delete expired windows, ride out an outage.
/// </summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class PromptSampleLogTests(AzuriteFixture azurite)
{
    private static readonly byte[] Key = System.Security.Cryptography.SHA256.HashData("prompt-sample-tests"u8);
    private static readonly DateTimeOffset Noon = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_sample_is_the_K_smallest_keyed_priorities_of_the_distinct_prompts_across_instances_whatever_the_volume()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "ps");
        StorageOptions options = Options(perWindow: 50);
        ManualClock clock = new(Noon);
        string[] prompts = [.. Enumerable.Range(0, 3000).Select(i => $"How do I plan step {i} of my garden?")];

        // Two instances (or a restart) write the same account's window: 2,000 prompts here, 1,000 there, plus one
        // prompt asked 500 times.
        await using (Running first = await Running.StartAsync(table, options, clock))
        {
            foreach (string prompt in prompts[..2000])
            {
                Assert.True(first.Log.Record(new PromptSample("key-a", Noon.AddMinutes(-30), prompt)));
            }

            for (int i = 0; i < 500; i++)
            {
                first.Log.Record(new PromptSample("key-a", Noon, "the same question again"));
            }

            await first.Log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        await using (Running second = await Running.StartAsync(table, options, clock))
        {
            foreach (string prompt in prompts[2000..])
            {
                second.Log.Record(new PromptSample("key-a", Noon.AddMinutes(-5), prompt));
            }

            await second.Log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
            IReadOnlyList<SampledPrompt> sample = await second.Log.ReadAsync("key-a", 10_000);

            // Exactly the bottom 50 of all 3,001 distinct prompts by keyed priority: a uniform sample, merged across instances.
            PromptSampleKeys keys = new(Key, options.PromptSampleWindow);
            string window = PromptSampleKeys.Window(keys.WindowStart(Noon));
            string[] expected = [.. prompts.Append("the same question again").OrderBy(p => keys.Priority("key-a", window, p)).Take(50).Order(StringComparer.Ordinal)];
            Assert.Equal(expected, sample.Select(s => s.Prompt).Order(StringComparer.Ordinal));
            Assert.All(sample, s => Assert.Equal(keys.WindowStart(Noon), s.WindowStart));

            // Volume does not bias it: the kept prompts spread over the arrival order (expected 10 per fifth).
            int[] fifths = new int[5];
            foreach (SampledPrompt s in sample.Where(s => s.Prompt.StartsWith("How", StringComparison.Ordinal)))
            {
                fifths[Array.IndexOf(prompts, s.Prompt) * 5 / prompts.Length]++;
            }

            Assert.All(fifths, n => Assert.InRange(n, 3, 20));

            // Storage holds no more than K rows for the window.
            Assert.Equal(50, await table.QueryAsync<TableEntity>(select: ["RowKey"]).CountAsync());
        }
    }

    [Fact]
    public async Task Windows_past_the_retention_are_deleted_and_a_prompt_for_one_is_never_written()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "ps");
        StorageOptions options = Options(perWindow: 5);
        options.PromptSampleRetention = TimeSpan.FromDays(30);
        ManualClock clock = new(Noon);
        await using Running running = await Running.StartAsync(table, options, clock);
        for (int day = 0; day < 3; day++)
        {
            for (int i = 0; i < 20; i++)
            {
                running.Log.Record(new PromptSample("key-r", Noon.AddDays(-day), $"day {day} question {i}"));
            }
        }

        await running.Log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(15, await table.QueryAsync<TableEntity>(select: ["RowKey"]).CountAsync()); // three daily windows, five each

        // 29 days later the oldest window (day 2) is past 30 days; the others are not.
        clock.Now = Noon.AddDays(28.5);
        await running.Log.DeleteExpiredAsync(); // the writer's own hourly sweep may get there first
        Assert.Equal(10, await table.QueryAsync<TableEntity>(select: ["RowKey"]).CountAsync());

        // A prompt recorded for a window already past the retention is not written at all.
        running.Log.Record(new PromptSample("key-r", Noon.AddDays(-5), "too old to keep"));
        await running.Log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(await table.QueryAsync<TableEntity>().ToListAsync(), r => r.GetString("Prompt") == "too old to keep");

        clock.Now = Noon.AddDays(40);
        await running.Log.DeleteExpiredAsync();
        Assert.Equal(0, await table.QueryAsync<TableEntity>(select: ["RowKey"]).CountAsync());
    }

    [Fact]
    public async Task While_storage_is_down_Record_returns_at_once_and_nothing_queued_is_lost()
    {
        await using AzuriteEmulator emulator = await AzuriteEmulator.StartAsync();
        TableClient table = new(emulator.ConnectionString, AzuriteFixture.UniqueName("ps"));
        await table.CreateIfNotExistsAsync();
        StorageOptions options = Options(perWindow: 300);
        options.PromptSampleQueueCapacity = 150;
        await using Running running = await Running.StartAsync(table, options, new ManualClock(Noon));

        await emulator.StopAsync();
        Stopwatch watch = Stopwatch.StartNew();
        int accepted = 0;
        for (int i = 0; i < 200; i++)
        {
            accepted += running.Log.Record(new PromptSample("key-o", Noon, $"question asked during the outage {i}")) ? 1 : 0;
        }

        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"200 Record calls took {watch.Elapsed}");

        // The queue's bound holds: what the writer had not yet taken is at most 150; the rest is refused and counted.
        Assert.InRange(accepted, 150, 199);
        Assert.Equal(200 - accepted, running.Log.DroppedCount);
        Task flushed = running.Log.FlushAsync();
        await Task.Delay(1500);
        Assert.False(flushed.IsCompleted, "the flush cannot complete while storage is down");

        // Storage is back (empty: the emulator ran in memory); the writer creates the table and writes every accepted prompt.
        await emulator.RestartAsync();
        await flushed.WaitAsync(TimeSpan.FromSeconds(90));
        IReadOnlyList<SampledPrompt> sample = await running.Log.ReadAsync("key-o", 1000);
        Assert.Equal(accepted, sample.Count);
    }

    private static StorageOptions Options(int perWindow)
    {
        StorageOptions options = StorageClients.FastOptions();
        options.PromptSamplesPerWindow = perWindow;
        options.PromptSampleFlushInterval = TimeSpan.FromMilliseconds(20);
        return options;
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Running : IAsyncDisposable
    {
        private Running(TablePromptSampleLog log) => Log = log;

        public TablePromptSampleLog Log { get; }

        public static async Task<Running> StartAsync(TableClient table, StorageOptions options, TimeProvider clock)
        {
            TablePromptSampleLog log = new(table, options, Key, clock);
            await log.StartAsync(CancellationToken.None);
            return new Running(log);
        }

        public async ValueTask DisposeAsync()
        {
            await Log.StopAsync(CancellationToken.None);
            Log.Dispose();
        }
    }
}
