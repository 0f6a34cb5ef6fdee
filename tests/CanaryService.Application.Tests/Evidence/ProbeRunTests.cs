using System.Net;
using System.Text.Json;
using CanaryService.Testing.Upstream;
using CanaryService.Core.Probing;
using CanaryService.Testing.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Evidence;

[Trait("Category", "Integration")]
public sealed class ProbeRunTests
{
    private const string Prose = "Typically, the first step is to plan carefully. Additionally, many people find that it helps to start small. However, the most important thing is to keep going.";

    [Fact]
    public async Task A_failing_competitor_never_stops_the_others_failures_are_recorded_and_budgets_hold()
    {
        await using FakeOpenAiServer good = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using FakeOpenAiServer broken = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Status(500));
        await using FakeOpenAiServer hanging = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Hang());
        await using FakeOpenAiServer garbage = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Garbage());
        await using FakeOpenAiServer flaky = await FakeOpenAiServer.StartAsync((_, i) => i % 3 == 0 ? new FakeReply.Status(502) : new FakeReply.Answer(Prose));
        const int Budget = 6;
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(
        [
            .. EvidenceTestHost.Competitor(0, "good", good, Budget),
            .. EvidenceTestHost.Competitor(1, "broken", broken, Budget),
            .. EvidenceTestHost.Competitor(2, "hanging", hanging, Budget, timeoutSeconds: 0.4),
            .. EvidenceTestHost.Competitor(3, "garbage", garbage, Budget),
            .. EvidenceTestHost.Competitor(4, "flaky", flaky, Budget, retries: 0),
        ]);

        // Some competitors answered: the operation succeeds, and its summary says how each run went.
        using JsonDocument operation = await OperationPolling.RunAsync(host.Client, "api/probes/run");
        Assert.Equal("succeeded", operation.RootElement.GetProperty("status").GetString());
        JsonElement report = operation.RootElement.GetProperty("result");
        Dictionary<string, JsonElement> runs = report.GetProperty("competitors").EnumerateArray()
            .ToDictionary(r => r.GetProperty("competitor").GetString()!);

        // One request of the budget is kept back for retries (10 %, at least one, when a competitor retries).
        Assert.Equal("completed", runs["good"].GetProperty("status").GetString());
        Assert.Equal(Budget - 1, runs["good"].GetProperty("answers").GetInt32());
        Assert.Equal("failed", runs["broken"].GetProperty("status").GetString());
        Assert.True(runs["broken"].GetProperty("errors").EnumerateArray().Any(e => e.GetString()!.Contains("HTTP 500", StringComparison.Ordinal)), runs["broken"].ToString());
        Assert.Equal("failed", runs["hanging"].GetProperty("status").GetString());
        Assert.Contains(runs["hanging"].GetProperty("errors").EnumerateArray(), e => e.GetString()!.StartsWith("time-out", StringComparison.Ordinal));
        Assert.Equal("failed", runs["garbage"].GetProperty("status").GetString());
        Assert.Contains(runs["garbage"].GetProperty("errors").EnumerateArray(), e => e.GetString()!.StartsWith("unreadable answer", StringComparison.Ordinal));
        Assert.Equal("partial", runs["flaky"].GetProperty("status").GetString());
        Assert.Equal(2, runs["flaky"].GetProperty("failures").GetInt32());

        // The budget is checked where the competitor would bill it: at its server. Every attempt counts.
        foreach (FakeOpenAiServer fake in new[] { good, broken, hanging, garbage, flaky })
        {
            Assert.InRange(fake.RequestCount, 1, Budget);
        }

        Assert.Equal(Budget, broken.RequestCount);          // retries spent the reserve
        Assert.Equal(Budget - 1, garbage.RequestCount);     // an unreadable answer is not retried: one request per prompt

        // Each run is in the run log, and even a failed run's transcript is stored with its errors.
        IProbeRunLog runLog = host.Services.GetRequiredService<IProbeRunLog>();
        ITranscriptStore transcripts = host.Services.GetRequiredService<ITranscriptStore>();
        foreach (string name in runs.Keys)
        {
            ProbeRunRecord record = Assert.Single(await runLog.ListAsync(name).ToListAsync());
            Assert.Equal(report.GetProperty("runId").GetString(), record.RunId);
            Assert.NotNull(record.TranscriptName);
            Transcript transcript = await transcripts.GetAsync(record.TranscriptName);
            Assert.Equal(name == "flaky" ? Budget : Budget - 1, transcript.Exchanges.Count);   // flaky does not retry: no reserve
            Assert.Equal(record.Failures, transcript.Exchanges.Count(e => e.Error is not null));
        }
    }

    [Fact]
    public async Task Retries_draw_on_the_reserve_so_a_transient_failure_does_not_leave_the_run_partial()
    {
        // The first request of the run fails once (a 502, as a gateway time-out would), the retry succeeds: with the
        // reserve, every planned prompt is answered within the budget. Planning the whole budget would have left the
        // last prompt without a request, and the run partial.
        await using FakeOpenAiServer once = await FakeOpenAiServer.StartAsync((_, i) => i == 0 ? new FakeReply.Status(502) : new FakeReply.Answer(Prose));
        const int Budget = 10;
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(EvidenceTestHost.Competitor(0, "once", once, Budget, retries: 2));

        using JsonDocument operation = await OperationPolling.RunAsync(host.Client, "api/probes/run");
        JsonElement run = operation.RootElement.GetProperty("result").GetProperty("competitors")[0];

        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(Budget - 1, run.GetProperty("answers").GetInt32());
        Assert.Equal(0, run.GetProperty("failures").GetInt32());
        Assert.Equal(Budget, once.RequestCount);   // nine prompts, one retry: the whole budget and no more
    }

    [Fact]
    public async Task A_run_for_one_competitor_probes_only_it_and_an_unknown_one_is_404()
    {
        await using FakeOpenAiServer a = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using FakeOpenAiServer b = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(
            [.. EvidenceTestHost.Competitor(0, "alpha", a, 3), .. EvidenceTestHost.Competitor(1, "beta", b, 3)]);

        using JsonDocument one = await OperationPolling.RunAsync(host.Client, "api/probes/run?competitor=beta");
        using HttpResponseMessage unknown = await host.Client.PostAsync(new Uri("api/probes/run?competitor=gamma", UriKind.Relative), null);

        Assert.Equal("succeeded", one.RootElement.GetProperty("status").GetString());
        Assert.Equal("beta", one.RootElement.GetProperty("parameters").GetProperty("competitor").GetString());
        Assert.Equal("beta", Assert.Single(one.RootElement.GetProperty("result").GetProperty("competitors").EnumerateArray()).GetProperty("competitor").GetString());
        Assert.Equal(0, a.RequestCount);
        Assert.Equal(2, b.RequestCount);   // 3 less the retry reserve
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using JsonDocument error = JsonDocument.Parse(await unknown.Content.ReadAsStringAsync());
        Assert.Equal("competitor_not_found", error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_seeded_run_asks_the_same_prompts_again_and_a_seed_that_is_not_an_integer_is_400()
    {
        var prompts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using FakeOpenAiServer a = await FakeOpenAiServer.StartAsync((prompt, _) =>
        {
            prompts.Enqueue(prompt);
            return new FakeReply.Answer(Prose);
        });
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(EvidenceTestHost.Competitor(0, "alpha", a, 7));

        List<string>[] asked = [[], [], []];
        foreach ((int run, string seed) in new[] { (0, "42"), (1, "42"), (2, "43") })
        {
            prompts.Clear();
            using JsonDocument operation = await OperationPolling.RunAsync(host.Client, "api/probes/run?seed=" + seed);
            Assert.Equal("succeeded", operation.RootElement.GetProperty("status").GetString());
            asked[run] = [.. prompts.Order(StringComparer.Ordinal)];
        }

        using HttpResponseMessage bad = await host.Client.PostAsync(new Uri("api/probes/run?seed=x1", UriKind.Relative), null);

        Assert.Equal(6, asked[0].Count);
        Assert.Equal(asked[0], asked[1]);
        Assert.NotEqual(asked[0], asked[2]);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using JsonDocument error = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        Assert.Equal("invalid_seed", error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
