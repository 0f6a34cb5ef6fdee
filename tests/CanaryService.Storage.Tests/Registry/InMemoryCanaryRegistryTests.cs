using CanaryService.Core.Issuance;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.Registry;

public sealed class InMemoryCanaryRegistryTests : CanaryRegistryContract
{
    protected override Task<ICanaryRegistry> CreateAsync() => Task.FromResult<ICanaryRegistry>(new InMemoryCanaryRegistry());

    [Fact]
    public async Task A_fault_fails_every_call_as_an_outage_would_and_clearing_it_heals()
    {
        var registry = new InMemoryCanaryRegistry { Fault = new IOException("storage is down") };

        await Assert.ThrowsAsync<IOException>(() => registry.RegisterAsync(Record("2026-11", "tide+pool")));
        await Assert.ThrowsAsync<IOException>(async () => await registry.ListAsync().ToListAsync());
        registry.Fault = null;
        await registry.RegisterAsync(Record("2026-11", "tide+pool"));

        Assert.Equal(2, registry.Writes);
        Assert.Single(await registry.ListAsync().ToListAsync());
    }
}
