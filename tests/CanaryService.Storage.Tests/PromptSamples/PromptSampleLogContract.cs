using System.Security.Cryptography;
using CanaryService.Core.Campaigns;
using CanaryService.Storage.PromptSamples;

namespace CanaryService.Storage.Tests.PromptSamples;

/// <summary>What every <see cref="IPromptSampleLog"/> does, run against the table and against the in-memory fake.</summary>
public abstract class PromptSampleLogContract
{
    /// <summary>The priority key every log under test is created with.</summary>
    protected static readonly byte[] Key = SHA256.HashData("prompt-sample-contract"u8);

    private static readonly DateTimeOffset Noon = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A new, empty log with <paramref name="options"/>, keyed by <see cref="Key"/>, reading <paramref name="clock"/>.</summary>
    protected abstract Task<IPromptSampleLog> CreateAsync(StorageOptions options, TimeProvider clock);

    private static StorageOptions Options(int perWindow)
    {
        StorageOptions options = StorageClients.FastOptions();
        options.PromptSamplesPerWindow = perWindow;
        options.PromptSampleFlushInterval = TimeSpan.FromMilliseconds(20);
        return options;
    }

    [Fact]
    public async Task The_sample_is_the_K_smallest_keyed_priorities_of_each_accounts_distinct_prompts()
    {
        StorageOptions options = Options(perWindow: 20);
        IPromptSampleLog log = await CreateAsync(options, new ManualClock(Noon));
        string[] prompts = [.. Enumerable.Range(0, 400).Select(i => $"How do I plan step {i} of my garden?")];
        foreach (string prompt in prompts)
        {
            Assert.True(log.Record(new PromptSample("key-a", Noon.AddMinutes(-30), prompt)));
        }

        for (int i = 0; i < 50; i++)
        {
            Assert.True(log.Record(new PromptSample("key-a", Noon, "the same question again")));
        }

        foreach (string prompt in prompts[..5])
        {
            log.Record(new PromptSample("key-b", Noon, prompt));
        }

        await log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        IReadOnlyList<SampledPrompt> sample = await log.ReadAsync("key-a", 10_000);

        using PromptSampleKeys keys = new(Key, options.PromptSampleWindow);
        string window = PromptSampleKeys.Window(keys.WindowStart(Noon));
        string[] expected = [.. prompts.Append("the same question again").OrderBy(p => keys.Priority("key-a", window, p)).Take(20).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, sample.Select(s => s.Prompt).Order(StringComparer.Ordinal));
        Assert.All(sample, s => Assert.Equal((keys.WindowStart(Noon), "key-a"), (s.WindowStart, s.AccountId)));
        Assert.Equal(prompts[..5], (await log.ReadAsync("key-b", 10_000)).Select(s => s.Prompt).Order(StringComparer.Ordinal));
        Assert.Empty(await log.ReadAsync("key-nobody", 10_000));
    }

    [Fact]
    public async Task A_read_of_fewer_is_a_choice_from_the_sample_that_the_draw_decides()
    {
        IPromptSampleLog log = await CreateAsync(Options(perWindow: 50), new ManualClock(Noon));
        for (int i = 0; i < 200; i++)
        {
            log.Record(new PromptSample("key-d", Noon, $"question {i}"));
        }

        await log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        HashSet<string> all = [.. (await log.ReadAsync("key-d", 1000)).Select(s => s.Prompt)];
        IReadOnlyList<SampledPrompt> some = await log.ReadAsync("key-d", 10, draw: 1);
        IReadOnlyList<SampledPrompt> again = await log.ReadAsync("key-d", 10, draw: 1);
        IReadOnlyList<SampledPrompt> others = await log.ReadAsync("key-d", 10, draw: 2);

        Assert.Equal(50, all.Count);
        Assert.Equal(10, some.Select(s => s.Prompt).Distinct().Count());
        Assert.All(some, s => Assert.Contains(s.Prompt, all));
        Assert.Equal(some, again);
        Assert.NotEqual(some.Select(s => s.Prompt), others.Select(s => s.Prompt));
        Assert.Empty(await log.ReadAsync("key-d", 0));
    }

    [Fact]
    public async Task Windows_are_read_oldest_first_and_never_once_past_the_retention()
    {
        StorageOptions options = Options(perWindow: 5);
        options.PromptSampleRetention = TimeSpan.FromDays(30);
        ManualClock clock = new(Noon);
        IPromptSampleLog log = await CreateAsync(options, clock);
        for (int day = 0; day < 3; day++)
        {
            for (int i = 0; i < 20; i++)
            {
                log.Record(new PromptSample("key-r", Noon.AddDays(-day), $"day {day} question {i}"));
            }
        }

        await log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        IReadOnlyList<SampledPrompt> all = await log.ReadAsync("key-r", 1000);
        Assert.Equal(15, all.Count); // three daily windows, five each
        DateTimeOffset today = Noon.AddHours(-12);
        Assert.Equal([today.AddDays(-2), today.AddDays(-1), today], all.Select(p => p.WindowStart).Distinct());
        Assert.Equal(all.Select(p => p.WindowStart).Order(), all.Select(p => p.WindowStart));

        // 28.5 days later the oldest window is past 30 days; the others are not.
        clock.Now = Noon.AddDays(28.5);
        Assert.Equal(10, (await log.ReadAsync("key-r", 1000)).Count);

        // A prompt recorded for a window already past the retention is never kept.
        log.Record(new PromptSample("key-r", Noon.AddDays(-5), "too old to keep"));
        await log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        clock.Now = Noon;
        Assert.DoesNotContain(await log.ReadAsync("key-r", 1000), p => p.Prompt == "too old to keep");

        clock.Now = Noon.AddDays(40);
        Assert.Empty(await log.ReadAsync("key-r", 1000));
    }

    [Fact]
    public async Task Empty_or_overlong_prompts_and_unnamed_accounts_are_refused()
    {
        StorageOptions options = Options(perWindow: 10);
        IPromptSampleLog log = await CreateAsync(options, new ManualClock(Noon));
        string longest = new('x', options.PromptSampleMaxPromptChars);

        Assert.False(log.Record(new PromptSample("key-e", Noon, "")));
        Assert.False(log.Record(new PromptSample("key-e", Noon, " \n\t ")));
        Assert.False(log.Record(new PromptSample("key-e", Noon, longest + "x")));
        Assert.False(log.Record(new PromptSample("", Noon, "a fine question")));
        Assert.True(log.Record(new PromptSample("key-e", Noon, longest)));

        await log.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(longest, Assert.Single(await log.ReadAsync("key-e", 100)).Prompt);
    }

    /// <summary>A clock the test sets.</summary>
    protected sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
