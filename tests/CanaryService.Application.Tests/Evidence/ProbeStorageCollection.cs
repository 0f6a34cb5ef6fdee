using CanaryService.Testing;

namespace CanaryService.Application.Tests.Evidence;

/// <summary>The probing and evidence tests share one Azurite; each test uses its own tables and container.</summary>
[CollectionDefinition(Name)]
public sealed class ProbeStorageCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Probe storage";
}
