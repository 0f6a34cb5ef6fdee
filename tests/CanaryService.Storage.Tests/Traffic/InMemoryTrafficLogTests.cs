using CanaryService.Core.Campaigns;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.Traffic;

public sealed class InMemoryTrafficLogTests : TrafficLogContract
{
    protected override Task<ITrafficLog> CreateAsync() => Task.FromResult<ITrafficLog>(new InMemoryTrafficLog(Key));
}
