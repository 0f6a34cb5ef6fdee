using CanaryService.Core.Campaigns;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.PromptSamples;

public sealed class InMemoryPromptSampleLogTests : PromptSampleLogContract, IDisposable
{
    private readonly List<InMemoryPromptSampleLog> _created = [];

    protected override Task<IPromptSampleLog> CreateAsync(StorageOptions options, TimeProvider clock)
    {
        InMemoryPromptSampleLog log = new(options, Key, clock);
        _created.Add(log);
        return Task.FromResult<IPromptSampleLog>(log);
    }

    public void Dispose()
    {
        foreach (InMemoryPromptSampleLog log in _created)
        {
            log.Dispose();
        }
    }
}
