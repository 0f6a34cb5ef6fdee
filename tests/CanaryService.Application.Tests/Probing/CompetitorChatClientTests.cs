using CanaryService.Application.Configuration;
using CanaryService.Application.Probing;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Tests.Probing;

[Trait("Category", "Integration")]
public sealed class CompetitorChatClientTests
{
    private static CompetitorChatClientFactory Factory() =>
        new(new StaticOptionsMonitor<ProbeOptions>(new ProbeOptions { RetryBaseDelaySeconds = 0.01 }), TimeProvider.System);

    private static CompetitorOptions Competitor(FakeOpenAiServer fake, int budget, int retries = 2, double timeoutSeconds = 5, int concurrency = 4) => new()
    {
        Name = "fake",
        BaseUrl = fake.BaseUrl,
        Model = "fake-model",
        ApiKey = "sk-test-not-a-secret",
        MaxRequestsPerRun = budget,
        MaxRetries = retries,
        TimeoutSeconds = timeoutSeconds,
        Concurrency = concurrency,
        RequestsPerMinute = 60_000,
    };

    [Fact]
    public async Task Answers_come_back_through_the_OpenAI_adapter()
    {
        await using FakeOpenAiServer fake = await FakeOpenAiServer.StartAsync((prompt, _) => new FakeReply.Answer("echo: " + prompt));
        RequestBudget budget = new(3);
        using IChatClient client = Factory().Create(Competitor(fake, 3), budget);

        ChatResponse response = await client.GetResponseAsync("hello there");

        Assert.Equal("echo: hello there", response.Text);
        Assert.Equal(1, fake.RequestCount);
        Assert.Equal(1, budget.Used);
    }

    [Fact]
    public async Task A_transient_500_is_retried_and_every_attempt_is_counted()
    {
        await using FakeOpenAiServer fake = await FakeOpenAiServer.StartAsync((_, i) => i == 0 ? new FakeReply.Status(500) : new FakeReply.Answer("fine"));
        RequestBudget budget = new(5);
        using IChatClient client = Factory().Create(Competitor(fake, 5), budget);

        ChatResponse response = await client.GetResponseAsync("q");

        Assert.Equal("fine", response.Text);
        Assert.Equal(2, fake.RequestCount);
        Assert.Equal(2, budget.Used);
    }

    [Fact]
    public async Task Retries_stop_at_the_budget_and_the_server_never_sees_more_requests_than_it()
    {
        await using FakeOpenAiServer fake = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Status(503));
        RequestBudget budget = new(5);
        using IChatClient client = Factory().Create(Competitor(fake, 5, retries: 3), budget);

        // Four prompts of up to four attempts each would be 16 requests; the budget allows 5.
        Exception?[] failures = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
            await Record.ExceptionAsync(() => client.GetResponseAsync("q" + i))));

        // Every prompt fails, each for its real cause (a retry refused by the budget reports the last attempt's error).
        Assert.All(failures, f => Assert.Equal(503, Assert.IsType<System.ClientModel.ClientResultException>(f).Status));
        Assert.Equal(5, fake.RequestCount);
        Assert.Equal(5, budget.Used);

        // Once the budget is spent nothing more is sent.
        await Assert.ThrowsAsync<RequestBudgetExhaustedException>(() => client.GetResponseAsync("one more"));
        Assert.Equal(5, fake.RequestCount);
    }

    [Fact]
    public async Task A_hanging_competitor_times_out_after_bounded_retries()
    {
        await using FakeOpenAiServer fake = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Hang());
        RequestBudget budget = new(10);
        // A second long enough that a loaded machine still delivers each attempt to the server before it times out.
        using IChatClient client = Factory().Create(Competitor(fake, 10, retries: 1, timeoutSeconds: 1), budget);

        Exception failure = await Assert.ThrowsAsync<TimeoutException>(() => client.GetResponseAsync("q"));

        Assert.Contains("attempt 2 of 2", failure.Message, StringComparison.Ordinal);
        Assert.Equal(2, budget.Used);
        for (int wait = 0; wait < 50 && fake.RequestCount < 2; wait++)
        {
            await Task.Delay(100); // the server counts a request when its handler runs, which may trail the client's timeout
        }

        Assert.Equal(2, fake.RequestCount);
    }

    [Fact]
    public async Task Garbage_is_a_failure_and_is_not_retried()
    {
        await using FakeOpenAiServer fake = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Garbage());
        RequestBudget budget = new(10);
        using IChatClient client = Factory().Create(Competitor(fake, 10), budget);

        await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync("q"));

        Assert.Equal(1, fake.RequestCount);
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        await using FakeOpenAiServer fake = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Status(401));
        RequestBudget budget = new(10);
        using IChatClient client = Factory().Create(Competitor(fake, 10), budget);

        await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync("q"));

        Assert.Equal(1, fake.RequestCount);
    }

    [Fact]
    public async Task Requests_in_flight_never_exceed_the_concurrency_limit()
    {
        await using FakeOpenAiServer fake = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer("ok"));
        RequestBudget budget = new(24);
        using IChatClient client = Factory().Create(Competitor(fake, 24, concurrency: 2), budget);

        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => client.GetResponseAsync("q" + i)));

        Assert.Equal(24, fake.RequestCount);
        Assert.InRange(fake.MaxInFlight, 1, 2);
    }

    [Fact]
    public void The_budget_never_hands_out_more_than_its_capacity_under_contention()
    {
        RequestBudget budget = new(1000);
        int granted = 0;
        Parallel.For(0, 5000, _ =>
        {
            if (budget.TryReserve())
            {
                Interlocked.Increment(ref granted);
            }
        });

        Assert.Equal(1000, granted);
        Assert.Equal(0, budget.Remaining);
    }
}

/// <summary>An options monitor over a fixed value.</summary>
internal sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
