using CanaryService.Api.Configuration;
using CanaryService.Api.Probing;
using CanaryService.Api.Tests.Probing;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;
using CanaryService.Core.Ports;
using CanaryService.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CanaryService.Api.Tests.Evidence;

/// <summary>A probe run reads the registry and the issuance window once, for the plans and the scoring of all its competitors.</summary>
[Collection(ProbeStorageCollection.Name)]
public sealed class ProbeRunSnapshotTests(AzuriteFixture azurite)
{
    private const string Prose = "Typically, the first step is to plan carefully. Additionally, many people find that it helps to start small. However, the most important thing is to keep going.";

    [Fact]
    public async Task A_run_of_two_competitors_reads_each_store_once_and_scores_as_direct_reads_would()
    {
        await using FakeCompetitor first = await FakeCompetitor.StartAsync((_, _) => new FakeReply.Answer(Prose));
        await using FakeCompetitor second = await FakeCompetitor.StartAsync((_, _) => new FakeReply.Answer(Prose));
        CountingRegistry? registry = null;
        CountingIssuanceLog? issuance = null;
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(azurite,
            [
                .. EvidenceTestHost.Competitor(0, "first", first, 12),
                .. EvidenceTestHost.Competitor(1, "second", second, 12),
                new("Detection:AttributionMinimumResponses", "3"),
            ],
            configureServices: services =>
            {
                Decorate<ICanaryRegistry>(services, inner => registry = new CountingRegistry(inner));
                Decorate<IIssuanceLog>(services, inner => issuance = new CountingIssuanceLog(inner));
            });

        // A registered canary issued to a candidate account, so that the plans ask its topic and the scoring tests the account.
        var keyRing = new CanaryKeyRing(MasterKey.FromBase64(EvidenceTestHost.MasterKey));
        CanaryRecord canary = new PhraseCanaryGenerator(keyRing).Create("2026-12", "connection+pools", ["connection", "pools"]).Record;
        await host.Services.GetRequiredService<ICanaryRegistry>().RegisterAsync(canary);
        IIssuanceLog log = host.Services.GetRequiredService<IIssuanceLog>();
        for (int i = 0; i < 5; i++)
        {
            Assert.True(log.Record(new IssuanceEvent("key-heavy", DateTimeOffset.UtcNow, 1, canary.Epoch, canary.Topic)));
        }

        await log.FlushAsync();
        (int listsBefore, int queriesBefore) = (registry!.Lists, issuance!.Queries);

        ProbeRunReport report = await host.Services.GetRequiredService<ProbeRunner>().RunAsync();

        Assert.Equal((1, 1), (registry.Lists - listsBefore, issuance.Queries - queriesBefore));
        Assert.Equal(2, report.Competitors.Count);

        // The same evidence as an assessment over rows read directly from the stores.
        List<CanaryRecord> canaries = await registry.Inner.ListAsync().ToListAsync();
        DateOnly today = DateOnly.FromDateTime(DateTime.UtcNow);
        IReadOnlyList<AccountIssuance> accounts = await issuance.Inner.QueryAsync(today.AddDays(-host.Services.GetRequiredService<IOptions<ProbeOptions>>().Value.IssuanceWindowDays), today);
        DetectionOptions detection = CompetitorScoring.EffectiveDetectionOptions(
            host.Services.GetRequiredService<IOptions<ProbeOptions>>().Value, host.Services.GetRequiredService<IOptions<DetectionOptions>>().Value);
        foreach (CompetitorRunResult result in report.Competitors)
        {
            Transcript transcript = await host.Services.GetRequiredService<ITranscriptStore>().GetAsync(result.Run.TranscriptName!);
            Assert.Contains(transcript.Exchanges, e => e.Topic == canary.Topic);
            DistillationAssessment direct = new DistillationAssessor(keyRing, detection).Assess([transcript], canaries, accounts);
            EvidenceEntry[] stored = [.. await host.Services.GetRequiredService<IEvidenceLedger>().ReadAsync(result.Run.Competitor).ToListAsync()];
            IReadOnlyList<EvidenceDraft> expected = direct.ToEvidenceDrafts(result.Run.Competitor, result.Run.RunId, result.Run.TranscriptName, DateTimeOffset.UnixEpoch);
            Assert.Equal(
                expected.Select(d => (d.Family, d.KeyId, d.N, d.Matches, d.PValue, d.EValue, d.Verdict)).OrderBy(d => d.Family, StringComparer.Ordinal).ThenBy(d => d.KeyId, StringComparer.Ordinal),
                stored.Select(e => (e.Draft.Family, e.Draft.KeyId, e.Draft.N, e.Draft.Matches, e.Draft.PValue, e.Draft.EValue, e.Draft.Verdict)).OrderBy(d => d.Family, StringComparer.Ordinal).ThenBy(d => d.KeyId, StringComparer.Ordinal));
            Assert.Contains(stored, e => e.Draft.KeyId == "account:key-heavy");
        }
    }

    private static void Decorate<T>(IServiceCollection services, Func<T, T> wrap)
        where T : class
    {
        ServiceDescriptor registered = services.Last(s => s.ServiceType == typeof(T));
        services.Remove(registered);
        services.AddSingleton(provider => wrap((T)(registered.ImplementationInstance ?? registered.ImplementationFactory!(provider))));
    }

    private sealed class CountingRegistry(ICanaryRegistry inner) : ICanaryRegistry
    {
        private int _lists;

        public ICanaryRegistry Inner => inner;

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

        public IIssuanceLog Inner => inner;

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
