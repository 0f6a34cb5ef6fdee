using CanaryService.Core.Issuance;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.StoredCanaries;

public sealed class InMemoryStoredCanaryIndexTests : StoredCanaryIndexContract
{
    protected override Task<IStoredCanaryIndex> CreateAsync(TimeProvider clock) =>
        Task.FromResult<IStoredCanaryIndex>(new InMemoryStoredCanaryIndex(new StorageOptions(), clock));

    [Fact]
    public async Task A_fault_fails_other_lookups_and_holds_records_until_it_clears()
    {
        var index = new InMemoryStoredCanaryIndex { Fault = new IOException("storage is down") };
        Assert.True(index.Record(new StoredCanary("resp_1", DateTimeOffset.UtcNow, "e", "a+b")));
        Assert.Equal("a+b", (await index.FindAsync("resp_1"))!.Topic);
        await Assert.ThrowsAsync<IOException>(() => index.FindAsync("resp_2"));
        Assert.Empty(index.Rows);

        index.Fault = null;
        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("a+b", (await index.FindAsync("resp_1"))!.Topic);
    }
}
