using CanaryService.Core.Probing;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.ProbeRuns;

public sealed class InMemoryProbeRunLogTests : ProbeRunLogContract
{
    protected override Task<IProbeRunLog> CreateAsync() => Task.FromResult<IProbeRunLog>(new InMemoryProbeRunLog());
}
