using CanaryService.Testing;

namespace CanaryService.Application.Tests.Proxy.Integration;

/// <summary>The proxy's integration tests share one Azurite; each test's service uses its own tables.</summary>
[CollectionDefinition(Name)]
public sealed class ProxyStorageCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Proxy storage";
}
