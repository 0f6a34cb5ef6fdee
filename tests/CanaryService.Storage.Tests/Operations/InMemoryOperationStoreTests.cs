using CanaryService.Core.Operations;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.Operations;

public sealed class InMemoryOperationStoreTests : OperationStoreContract
{
    protected override Task<IOperationStore> CreateAsync() => Task.FromResult<IOperationStore>(new InMemoryOperationStore());
}
