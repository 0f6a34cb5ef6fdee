using CanaryService.Core.Probing;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.Transcripts;

public sealed class InMemoryTranscriptStoreTests : TranscriptStoreContract
{
    protected override Task<ITranscriptStore> CreateAsync() => Task.FromResult<ITranscriptStore>(new InMemoryTranscriptStore());

    protected override Task AlterAsync(ITranscriptStore store, string name, byte[] content)
    {
        ((InMemoryTranscriptStore)store).Overwrite(name, content);
        return Task.CompletedTask;
    }
}
