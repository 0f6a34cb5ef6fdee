using CanaryService.Core.Probing;
using CanaryService.Storage.ProbeRuns;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.ProbeRuns;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableProbeRunLogTests(AzuriteFixture azurite) : ProbeRunLogContract
{
    protected override async Task<IProbeRunLog> CreateAsync() => new TableProbeRunLog(await StorageClients.NewTableAsync(azurite.ConnectionString));
}
