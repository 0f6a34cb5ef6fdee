using CanaryService.Core.Lineage;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.Lineage;

public sealed class InMemoryLineageSamplingPositionsTests : LineageSamplingPositionsContract
{
    protected override Task<ILineageSamplingPositions> CreateAsync() => Task.FromResult<ILineageSamplingPositions>(new InMemoryLineageSamplingPositions());
}
