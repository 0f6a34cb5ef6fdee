using CanaryService.Application.Probing;
using CanaryService.Application.Tests.Evidence;
using CanaryService.Core.Evidence;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;
using CanaryService.Core.Probing;
using CanaryService.Testing.InMemory;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Probing;

/// <summary>
/// A probe run reads the registry and the issuance window once, at its start, for the plans and the scoring of all
/// its competitors (the stores are the in-memory ones, behind counting wrappers).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProbeRunSnapshotTests
{
    private const string Prose = "Typically, the first step is to plan carefully. Additionally, many people find that it helps to start small. However, the most important thing is to keep going.";

    private static readonly CanaryKeyRing KeyRing = new(MasterKey.FromBase64(EvidenceTestHost.MasterKey));

    [Fact]
    public async Task A_run_reads_the_registry_and_the_issuance_window_once_whatever_the_number_of_competitors()
    {
        await using FakeOpenAiServer first = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using FakeOpenAiServer second = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using FakeOpenAiServer third = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        CountingStores counting = new();
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(
            [
                .. EvidenceTestHost.Competitor(0, "first", first, 12),
                .. EvidenceTestHost.Competitor(1, "second", second, 12),
                .. EvidenceTestHost.Competitor(2, "third", third, 12),
                new("Detection:AttributionMinimumResponses", "3"),
            ],
            services: counting.Register);
        CanaryRecord canary = await IssueAsync(host, "connection+pools", "key-heavy", 5);

        foreach ((string? only, int competitors) in new[] { ((string?)null, 3), ("second", 1) })
        {
            (int lists, int queries) = (counting.Registry.Lists, counting.Issuance.Queries);

            ProbeRunReport report = await host.Services.GetRequiredService<ProbeRunner>().RunAsync(only);

            Assert.Equal((1, 1), (counting.Registry.Lists - lists, counting.Issuance.Queries - queries));
            Assert.Equal(competitors, report.Competitors.Count);
            foreach (CompetitorRunResult result in report.Competitors)
            {
                // Both sides used the one read: the plan asked the issued canary's topic, the scoring tested its account.
                Assert.Equal(ProbeRunStatus.Completed, result.Run.Status);
                Transcript transcript = await host.Services.GetRequiredService<ITranscriptStore>().GetAsync(result.Run.TranscriptName!);
                Assert.Contains(transcript.Exchanges, e => e.Topic == canary.Topic);
                Assert.Contains(await RunEvidenceAsync(host, result), d => d.KeyId == "account:key-heavy");
            }
        }
    }

    [Fact]
    public async Task A_canary_issued_while_a_run_is_under_way_is_used_by_neither_its_plans_nor_its_scoring_and_by_both_in_the_next_run()
    {
        IServiceProvider? services = null;
        CanaryRecord? late = null;
        // The first probe request of the first run registers a canary and issues it to a new account, with enough
        // marked responses to be an attribution candidate: the plans are drawn by then, the scoring not yet.
        await using FakeOpenAiServer rival = await FakeOpenAiServer.StartAsync(async (_, index) =>
        {
            if (index == 0)
            {
                late = await IssueAsync(services!, "late+topic", "key-late", 5);
            }

            return new FakeReply.Answer(Prose);
        });
        await using FakeOpenAiServer other = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(
            [
                .. EvidenceTestHost.Competitor(0, "rival", rival, 12),
                .. EvidenceTestHost.Competitor(1, "other", other, 12),
                new("Detection:AttributionMinimumResponses", "3"),
            ]);
        services = host.Services;
        CanaryRecord early = await IssueAsync(host, "early+topic", "key-early", 5);
        ProbeRunner runner = host.Services.GetRequiredService<ProbeRunner>();

        ProbeRunReport during = await runner.RunAsync();

        Assert.NotNull(late);
        foreach (CompetitorRunResult result in during.Competitors)
        {
            Transcript transcript = await host.Services.GetRequiredService<ITranscriptStore>().GetAsync(result.Run.TranscriptName!);
            IReadOnlyList<EvidenceDraft> evidence = await RunEvidenceAsync(host, result);
            Assert.Contains(transcript.Exchanges, e => e.Topic == early.Topic);
            Assert.Contains(evidence, d => d.KeyId == "account:key-early");
            Assert.DoesNotContain(transcript.Exchanges, e => e.Topic == late.Topic || e.Account == "key-late");
            Assert.DoesNotContain(evidence, d => d.KeyId == "account:key-late");
        }

        ProbeRunReport after = await runner.RunAsync();

        foreach (CompetitorRunResult result in after.Competitors)
        {
            Transcript transcript = await host.Services.GetRequiredService<ITranscriptStore>().GetAsync(result.Run.TranscriptName!);
            IReadOnlyList<EvidenceDraft> evidence = await RunEvidenceAsync(host, result);
            Assert.Contains(transcript.Exchanges, e => e.Topic == late.Topic);
            Assert.Contains(evidence, d => d.KeyId == "account:key-late");
        }
    }

    [Fact]
    public async Task A_snapshot_that_could_not_be_read_plans_open_prompts_and_fails_the_scoring_with_its_error()
    {
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync([]);
        await IssueAsync(host, "some+topic", "key-some", 5);
        ProbeRunSnapshot failed = ProbeRunSnapshot.Failed(new TimeoutException("storage did not answer"), new DateOnly(2026, 9, 1), new DateOnly(2026, 12, 1));

        ProbePlan plan = await host.Services.GetRequiredService<ProbePlanner>().PlanAsync(10, seed: 1, failed);

        Assert.All(plan.Prompts, p => Assert.Equal(ProbePrompt.OpenKind, p.Kind));
        Assert.Contains(plan.Errors, e => e.Contains("TimeoutException", StringComparison.Ordinal));
        Transcript transcript = new("rival", "run-1", DateTimeOffset.UtcNow,
            [.. plan.Prompts.Select(p => new ProbeExchange(p.Kind, p.Epoch, p.Topic, p.Text, Prose, null, DateTimeOffset.UtcNow, p.Account, p.Form))]);
        TimeoutException thrown = await Assert.ThrowsAsync<TimeoutException>(() =>
            host.Services.GetRequiredService<CompetitorScoring>().ScoreAndAppendAsync("rival", "run-1", "transcript-1", transcript, failed));
        Assert.Equal("storage did not answer", thrown.Message);
        Assert.Empty(await host.Services.GetRequiredService<IEvidenceLedger>().ReadAsync("rival").ToListAsync());
    }

    private static Task<CanaryRecord> IssueAsync(EvidenceTestHost host, string topic, string account, int times) => IssueAsync(host.Services, topic, account, times);

    /// <summary>Registers a canary for <paramref name="topic"/> and issues it <paramref name="times"/> times to <paramref name="account"/>, as the proxy would.</summary>
    private static async Task<CanaryRecord> IssueAsync(IServiceProvider services, string topic, string account, int times)
    {
        CanaryRecord canary = new PhraseCanaryGenerator(KeyRing).Create("2026-12", topic, topic.Split('+')).Record;
        await services.GetRequiredService<ICanaryRegistry>().RegisterAsync(canary);
        IIssuanceLog log = services.GetRequiredService<IIssuanceLog>();
        for (int i = 0; i < times; i++)
        {
            Assert.True(log.Record(new IssuanceEvent(account, DateTimeOffset.UtcNow, 1, canary.Epoch, canary.Topic)));
        }

        await log.FlushAsync();
        return canary;
    }

    /// <summary>The evidence rows a competitor's run appended.</summary>
    private static async Task<IReadOnlyList<EvidenceDraft>> RunEvidenceAsync(EvidenceTestHost host, CompetitorRunResult result) =>
        [.. (await host.Services.GetRequiredService<IEvidenceLedger>().ReadAsync(result.Run.Competitor).ToListAsync())
            .Select(e => e.Draft)
            .Where(d => d.RunId == result.Run.RunId)];

    /// <summary>The registry and the issuance log, each behind a wrapper that counts its whole-store reads.</summary>
    private sealed class CountingStores
    {
        public CountingRegistry Registry { get; private set; } = null!;

        public CountingIssuanceLog Issuance { get; private set; } = null!;

        public void Register(IServiceCollection services)
        {
            services.AddSingleton<ICanaryRegistry>(_ => Registry = new CountingRegistry(new InMemoryCanaryRegistry()));
            services.AddSingleton<IIssuanceLog>(_ => Issuance = new CountingIssuanceLog(new InMemoryIssuanceLog()));
        }
    }

    private sealed class CountingRegistry(ICanaryRegistry inner) : ICanaryRegistry
    {
        private int _lists;

        public int Lists => Volatile.Read(ref _lists);

        public Task RegisterAsync(CanaryRecord record, CancellationToken cancellationToken = default) => inner.RegisterAsync(record, cancellationToken);

        public IAsyncEnumerable<CanaryRecord> ListAsync(string? epoch = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _lists);
            return inner.ListAsync(epoch, cancellationToken);
        }
    }

    private sealed class CountingIssuanceLog(IIssuanceLog inner) : IIssuanceLog
    {
        private int _queries;

        public int Queries => Volatile.Read(ref _queries);

        public bool Record(IssuanceEvent issuance) => inner.Record(issuance);

        public Task<IReadOnlyList<AccountIssuance>> QueryAsync(DateOnly firstDay, DateOnly lastDay, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _queries);
            return inner.QueryAsync(firstDay, lastDay, cancellationToken);
        }

        public Task FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
    }
}
