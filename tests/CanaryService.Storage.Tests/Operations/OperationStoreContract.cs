using CanaryService.Core.Operations;
using CanaryService.Storage.Operations;

namespace CanaryService.Storage.Tests.Operations;

/// <summary>What every <see cref="IOperationStore"/> does, run against the table and against the in-memory fake.</summary>
public abstract class OperationStoreContract
{
    protected static readonly DateTimeOffset Created = new(2026, 12, 7, 4, 0, 0, TimeSpan.Zero);

    /// <summary>A new, empty store.</summary>
    protected abstract Task<IOperationStore> CreateAsync();

    [Fact]
    public async Task A_record_round_trips_through_its_states_and_an_unknown_id_is_null()
    {
        IOperationStore store = await CreateAsync();
        string id = Guid.NewGuid().ToString("N");
        var queued = new OperationRecord(id, "probes.run", new Dictionary<string, string> { ["competitor"] = "rival/a", ["seed"] = "-3" },
            OperationStatus.Queued, Created, null, null, null, null);

        await store.SaveAsync(queued);
        OperationRecord? read = await store.GetAsync(id);
        Assert.NotNull(read);
        Assert.Equal(OperationStatus.Queued, read.Status);
        Assert.Equal(("probes.run", Created), (read.Kind, read.CreatedAt));
        Assert.Equal(queued.Parameters.OrderBy(p => p.Key), read.Parameters.OrderBy(p => p.Key));
        Assert.Null(read.StartedAt);
        Assert.Null(read.Result);

        // A summary longer than one property holds is split and joined back.
        string result = "{\"runId\":\"" + new string('r', 70_000) + "\"}";
        await store.SaveAsync(queued with { Status = OperationStatus.Succeeded, StartedAt = Created.AddSeconds(1), FinishedAt = Created.AddMinutes(3), Result = result });
        read = await store.GetAsync(id);
        Assert.NotNull(read);
        Assert.Equal(OperationStatus.Succeeded, read.Status);
        Assert.Equal((Created.AddSeconds(1), Created.AddMinutes(3)), (read.StartedAt!.Value, read.FinishedAt!.Value));
        Assert.Equal(result, read.Result);

        Assert.Null(await store.GetAsync(Guid.NewGuid().ToString("N")));
    }

    [Fact]
    public async Task A_long_error_is_cut()
    {
        IOperationStore store = await CreateAsync();
        string id = Guid.NewGuid().ToString("N");
        await store.SaveAsync(new OperationRecord(id, "monitor.run", new Dictionary<string, string>(), OperationStatus.Failed, Created, Created, Created, null, new string('e', 5000)));

        OperationRecord? read = await store.GetAsync(id);
        Assert.Equal(TableOperationStore.MaxErrorLength, read?.Error?.Length);
    }
}
