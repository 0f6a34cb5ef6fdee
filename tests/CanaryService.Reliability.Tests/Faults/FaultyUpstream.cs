using CanaryService.Reliability.Tests.Infrastructure;
using CanaryService.Testing.Upstream;

namespace CanaryService.Reliability.Tests.Faults;

/// <summary>A fake upstream whose behaviour a test sets, and a Host of its own in front of it.</summary>
internal sealed class FaultyUpstream : IAsyncDisposable
{
    private FaultyUpstream(FakeOpenAiServer upstream, ReliabilityHost host)
    {
        Upstream = upstream;
        Host = host;
    }

    public FakeOpenAiServer Upstream { get; }

    public ReliabilityHost Host { get; }

    public static async Task<FaultyUpstream> StartAsync(ServiceFixture service, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        try
        {
            return new FaultyUpstream(upstream, await ReliabilityHost.StartAsync(service.Azurite.ConnectionString, upstream.BaseAddress, settings));
        }
        catch
        {
            await upstream.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// After the fault: exactly <paramref name="expectedBefore"/> responses were recorded for the faulty requests;
    /// then the upstream heals, a normal request (streamed) succeeds and is recorded exactly once more.
    /// </summary>
    public async Task AssertRecordedAndAliveAsync(long expectedBefore)
    {
        string account = Host.AccountOf("fault");
        await Host.WaitUntilIdleAsync();
        await Host.FlushIssuanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(expectedBefore, await Host.IssuedResponsesAsync(account));

        Upstream.Handler = EchoUpstream.HandleAsync;
        (int status, string received, Exception? error) = await UpstreamFaultTests.ReadStreamAsync(Host, UpstreamFaultTests.Chat(stream: true));
        Host.Record(received);
        Assert.Null(error);
        Assert.Equal(200, status);
        Hostile.AnswerShape.AssertStream(received);
        await Host.FlushIssuanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(expectedBefore + 1, await Host.IssuedResponsesAsync(account));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.DisposeAsync();
        }
        finally
        {
            await Upstream.DisposeAsync();
        }
    }
}
