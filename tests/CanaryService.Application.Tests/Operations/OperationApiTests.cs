using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using CanaryService.Application.Evidence;
using CanaryService.Application.Operations;
using CanaryService.Application.Tests.Evidence;
using CanaryService.Testing.Upstream;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Operations;
using CanaryService.Core.Probing;
using CanaryService.Storage.Operations;
using CanaryService.Testing;
using CanaryService.Testing.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Operations;

/// <summary>
/// Long operations on the real host (Kestrel, fake competitors; the in-memory stores, or Azurite where a test reads
/// the operation rows back from the table): a run answers 202 with a status URL at once, the record moves queued →
/// running → succeeded or failed, a failure leaves the service serving, and a shutdown leaves no record claiming a run
/// that will not happen.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ProbeStorageCollection.Name)]
public sealed class OperationApiTests(AzuriteFixture azurite)
{
    private const string Prose = "Typically, the first step is to plan carefully. Additionally, many people find that it helps to start small.";

    [Fact]
    public async Task A_probe_run_answers_202_with_a_location_and_polling_reaches_succeeded_with_the_summary()
    {
        await using FakeOpenAiServer rival = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(EvidenceTestHost.Competitor(0, "rival", rival, 4));

        using HttpResponseMessage accepted = await host.Client.PostAsync(new Uri("api/probes/run?seed=7", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync());
        string id = body.RootElement.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal("/api/operations/" + id, accepted.Headers.Location?.OriginalString);
        Assert.Equal("probes.run", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal("queued", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("/api/operations/" + id, body.RootElement.GetProperty("statusUrl").GetString());

        using JsonDocument done = await OperationPolling.PollAsync(host.Client, accepted.Headers.Location!, TimeSpan.FromSeconds(120));
        JsonElement record = done.RootElement;
        Assert.Equal("succeeded", record.GetProperty("status").GetString());
        Assert.Equal(id, record.GetProperty("id").GetString());
        Assert.Equal("7", record.GetProperty("parameters").GetProperty("seed").GetString());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("error").ValueKind);
        DateTimeOffset created = record.GetProperty("createdAt").GetDateTimeOffset();
        DateTimeOffset started = record.GetProperty("startedAt").GetDateTimeOffset();
        DateTimeOffset finished = record.GetProperty("finishedAt").GetDateTimeOffset();
        Assert.True(created <= started && started <= finished, record.ToString());

        // The summary names the run the probe-run log recorded, and what it did.
        ProbeRunRecord run = Assert.Single(await host.Services.GetRequiredService<IProbeRunLog>().ListAsync("rival").ToListAsync());
        JsonElement result = record.GetProperty("result");
        Assert.Equal(run.RunId, result.GetProperty("runId").GetString());
        JsonElement competitor = Assert.Single(result.GetProperty("competitors").EnumerateArray());
        Assert.Equal("rival", competitor.GetProperty("competitor").GetString());
        Assert.Equal("completed", competitor.GetProperty("status").GetString());
        Assert.Equal(run.Answers, competitor.GetProperty("answers").GetInt32());
        Assert.Equal(rival.RequestCount, competitor.GetProperty("requests").GetInt32());
        Assert.True(competitor.GetProperty("evidenceRows").GetInt32() > 0, competitor.ToString());
    }

    [Fact]
    public async Task A_run_in_which_every_probe_fails_ends_failed_with_a_clear_message_and_the_service_runs_on()
    {
        await using FakeOpenAiServer broken = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Status(500));
        await using FakeOpenAiServer good = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(
            [.. EvidenceTestHost.Competitor(0, "broken", broken, 3, retries: 0), .. EvidenceTestHost.Competitor(1, "good", good, 3)]);

        using JsonDocument failed = await OperationPolling.RunAsync(host.Client, "api/probes/run?competitor=broken");
        Assert.Equal("failed", failed.RootElement.GetProperty("status").GetString());
        string error = failed.RootElement.GetProperty("error").GetString()!;
        Assert.StartsWith("Every competitor's probe failed", error, StringComparison.Ordinal);
        Assert.Contains("broken: ", error, StringComparison.Ordinal);
        Assert.Contains("HTTP 500", error, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-fake-", error, StringComparison.Ordinal);
        // The run itself was recorded: the summary says so even though the operation failed.
        Assert.Equal("failed", failed.RootElement.GetProperty("result").GetProperty("competitors")[0].GetProperty("status").GetString());

        using JsonDocument next = await OperationPolling.RunAsync(host.Client, "api/probes/run?competitor=good");
        Assert.Equal("succeeded", next.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_exception_in_a_run_marks_it_failed_without_its_text_and_the_worker_runs_the_next()
    {
        await using FakeOpenAiServer rival = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(EvidenceTestHost.Competitor(0, "rival", rival, 3),
            services: s => s.AddSingleton<ITrafficLog>(new ExplodingTrafficLog()));

        using JsonDocument monitor = await OperationPolling.RunAsync(host.Client, "api/monitor/run");
        Assert.Equal("failed", monitor.RootElement.GetProperty("status").GetString());
        Assert.Equal("monitor.run", monitor.RootElement.GetProperty("kind").GetString());
        string error = monitor.RootElement.GetProperty("error").GetString()!;
        Assert.Equal("The run failed unexpectedly (InvalidOperationException); the service log has the details.", error);
        Assert.Equal(JsonValueKind.Null, monitor.RootElement.GetProperty("result").ValueKind);
        Assert.False(monitor.RootElement.GetProperty("finishedAt").ValueKind == JsonValueKind.Null);

        using JsonDocument probes = await OperationPolling.RunAsync(host.Client, "api/probes/run");
        Assert.Equal("succeeded", probes.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_unknown_or_malformed_operation_id_is_an_OpenAI_shaped_404()
    {
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync([]);
        foreach (string path in new[] { "api/operations/" + Guid.NewGuid().ToString("N"), "api/operations/NOT-AN-ID", "api/operations/" + new string('a', 300) })
        {
            using HttpResponseMessage response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            using JsonDocument error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("operation_not_found", error.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal("not_found_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task Refused_starts_record_nothing_and_operations_need_the_admin_key()
    {
        await using FakeOpenAiServer rival = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(azurite, EvidenceTestHost.Competitor(0, "rival", rival, 3));
        using HttpClient anonymous = new() { BaseAddress = host.BaseAddress };

        using HttpResponseMessage noKey = await anonymous.PostAsync(new Uri("api/probes/run", UriKind.Relative), null);
        using HttpResponseMessage noKeyMonitor = await anonymous.PostAsync(new Uri("api/monitor/run", UriKind.Relative), null);
        using HttpResponseMessage unknown = await host.Client.PostAsync(new Uri("api/probes/run?competitor=nobody", UriKind.Relative), null);
        using HttpResponseMessage badSeed = await host.Client.PostAsync(new Uri("api/probes/run?seed=x", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKeyMonitor.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badSeed.StatusCode);
        Assert.Null(unknown.Headers.Location);
        Assert.Null(badSeed.Headers.Location);
        Assert.Empty(await OperationRows(host).ToListAsync());
        Assert.Equal(0, rival.RequestCount);
    }

    [Fact]
    public async Task A_full_queue_refuses_with_503_and_a_shutdown_marks_every_unfinished_operation_failed()
    {
        await using FakeOpenAiServer hanging = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Hang());
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(azurite, EvidenceTestHost.Competitor(0, "hanging", hanging, 3, retries: 0, timeoutSeconds: 600));

        Uri running = await OperationPolling.StartAsync(host.Client, "api/probes/run");
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (await StatusAsync(host, running) != "running")
            {
                await Task.Delay(50, deadline.Token);
            }
        }

        List<Uri> waiting = [];
        for (int i = 0; i < ChannelOperationDispatcher.Capacity; i++)
        {
            waiting.Add(await OperationPolling.StartAsync(host.Client, "api/monitor/run"));
        }

        using HttpResponseMessage refused = await host.Client.PostAsync(new Uri("api/monitor/run", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        using (JsonDocument error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            Assert.Equal("operations_queue_full", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        Assert.Equal("running", await StatusAsync(host, running));
        await host.StopAsync();

        // Read back from the table itself: the host has stopped serving.
        List<OperationRecord> records = await OperationRows(host).ToListAsync();
        Assert.Equal(ChannelOperationDispatcher.Capacity + 2, records.Count);
        Assert.All(records, r => Assert.Equal(OperationStatus.Failed, r.Status));
        Assert.All(records, r => Assert.NotNull(r.FinishedAt));
        OperationRecord cut = Assert.Single(records, r => r.Kind == OperationKinds.ProbesRun);
        Assert.Equal(OperationExecutor.ShutdownMessage, cut.Error);
        Assert.NotNull(cut.StartedAt);
        Assert.Equal(ChannelOperationDispatcher.Capacity, records.Count(r => r.Error == OperationWorker.NotStartedMessage && r.StartedAt is null));
        Assert.Single(records, r => r.Error == OperationHandlers.QueueFullMessage);
    }

    private static async Task<string?> StatusAsync(EvidenceTestHost host, Uri location)
    {
        using JsonDocument record = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri(location.OriginalString.TrimStart('/'), UriKind.Relative)));
        return record.RootElement.GetProperty("status").GetString();
    }

    private static async IAsyncEnumerable<OperationRecord> OperationRows(EvidenceTestHost host)
    {
        var table = new TableClient(host.Storage.ConnectionString, host.Storage.OperationsTable);
        var store = new TableOperationStore(table);
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            yield return (await store.GetAsync(row.GetString("PartitionKey")!))!;
        }
    }

    /// <summary>A traffic log whose query fails with a message that must never reach a client.</summary>
    private sealed class ExplodingTrafficLog : ITrafficLog
    {
        public bool Record(TrafficObservation observation) => true;

        public Task<IReadOnlyList<AccountTrafficWindow>> QueryAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("connection to 10.0.0.7 refused; key=sk-internal-detail");

        public Task<AccountProfile?> GetProfileAsync(string accountId, CancellationToken cancellationToken = default) => Task.FromResult<AccountProfile?>(null);

        public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
