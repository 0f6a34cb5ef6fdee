using CanaryService.Core.Campaigns;
using CanaryService.Storage.PromptSamples;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.PromptSamples;

public sealed class InMemoryPromptSampleLogTests : PromptSampleLogContract
{
    protected override Task<IPromptSampleLog> CreateAsync(StorageOptions options, TimeProvider clock) =>
        Task.FromResult<IPromptSampleLog>(new InMemoryPromptSampleLog(options, Key, clock));

    [Fact]
    public void The_fakes_priorities_and_windows_are_the_tables()
    {
        var options = new StorageOptions { PromptSampleWindow = TimeSpan.FromHours(6) };
        var fake = new InMemoryPromptSampleLog(options, Key);
        using var keys = new PromptSampleKeys(Key, options.PromptSampleWindow);
        DateTimeOffset at = new(2026, 11, 20, 17, 45, 0, TimeSpan.FromHours(-3));
        string window = PromptSampleKeys.Window(keys.WindowStart(at));

        Assert.Equal(keys.WindowStart(at), fake.WindowStart(at));
        Assert.Equal(window, InMemoryPromptSampleLog.Window(fake.WindowStart(at)));
        foreach (string prompt in new[] { "a", "ünïcode \"quoted\"\n", new string('z', 3000) })
        {
            Assert.Equal(keys.Priority("key-a", window, prompt), fake.Priority("key-a", window, prompt));
        }

        Assert.NotEqual(fake.Priority("key-a", window, "a"), fake.Priority("key-b", window, "a"));
    }
}
