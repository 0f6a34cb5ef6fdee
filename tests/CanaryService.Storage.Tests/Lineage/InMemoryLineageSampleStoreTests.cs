using CanaryService.Core.Lineage;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.Lineage;

public sealed class InMemoryLineageSampleStoreTests : LineageSampleStoreContract
{
    protected override Task<ILineageSampleStore> CreateAsync() => Task.FromResult<ILineageSampleStore>(new InMemoryLineageSampleStore());
}
