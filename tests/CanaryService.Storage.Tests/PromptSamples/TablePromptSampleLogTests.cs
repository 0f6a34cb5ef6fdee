using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.Storage.PromptSamples;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.PromptSamples;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TablePromptSampleLogTests(AzuriteFixture azurite) : PromptSampleLogContract, IAsyncLifetime
{
    private readonly List<TablePromptSampleLog> _started = [];

    protected override async Task<IPromptSampleLog> CreateAsync(StorageOptions options, TimeProvider clock)
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "ps");
        TablePromptSampleLog log = new(table, options, Key, clock);
        await log.StartAsync(CancellationToken.None);
        _started.Add(log);
        return log;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (TablePromptSampleLog log in _started)
        {
            await log.StopAsync(CancellationToken.None);
            log.Dispose();
        }
    }
}
