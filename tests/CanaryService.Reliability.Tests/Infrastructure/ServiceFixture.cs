using CanaryService.Testing;
using CanaryService.Testing.Upstream;

namespace CanaryService.Reliability.Tests.Infrastructure;

/// <summary>
/// One Azurite, one echoing fake upstream and one real Host over them, shared by the tests of
/// <see cref="SharedServiceCollection"/>. Tests that need other upstream behaviour start their own host on the same Azurite.
/// When the collection ends, every log line and reply of the shared host is checked for secrets.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite = new();
    private FakeOpenAiServer? _upstream;
    private ReliabilityHost? _host;

    internal AzuriteFixture Azurite => _azurite;

    internal FakeOpenAiServer Upstream => _upstream ?? throw new InvalidOperationException("Not started.");

    internal ReliabilityHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _upstream = await FakeOpenAiServer.StartAsync();
        _upstream.Handler = EchoUpstream.HandleAsync;
        _host = await ReliabilityHost.StartAsync(_azurite.ConnectionString, _upstream.BaseAddress, [new("Proxy:AccountHeader", "x-account")]);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
        finally
        {
            if (_upstream is not null)
            {
                await _upstream.DisposeAsync();
            }

            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "Service";
}
