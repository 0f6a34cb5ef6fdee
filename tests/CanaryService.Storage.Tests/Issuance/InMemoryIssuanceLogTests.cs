using CanaryService.Core.Issuance;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.Issuance;

public sealed class InMemoryIssuanceLogTests : IssuanceLogContract
{
    protected override Task<IIssuanceLog> StartAsync() => Task.FromResult<IIssuanceLog>(new InMemoryIssuanceLog());

    protected override Task StopAsync(IIssuanceLog log) => Task.CompletedTask;
}
