using CanaryService.Core.Campaigns;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.Campaigns;

public sealed class InMemoryMonitorResultStoreTests : MonitorResultStoreContract
{
    protected override Task<IMonitorResultStore> CreateAsync() => Task.FromResult<IMonitorResultStore>(new InMemoryMonitorResultStore());
}
