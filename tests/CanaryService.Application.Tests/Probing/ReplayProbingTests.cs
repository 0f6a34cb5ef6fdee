using System.Globalization;
using CanaryService.Application.Probing;
using CanaryService.Application.Tests.Evidence;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Detection;
using CanaryService.Core.Evidence;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Core.Probing;
using CanaryService.Testing.InMemory;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CanaryService.Application.Tests.Probing;

[Trait("Category", "Integration")]
public sealed class ReplayProbingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Replay_prompts_come_from_the_candidates_samples_weighted_by_volume_each_once_verbatim_or_reworded()
    {
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(
        [
            new("Probe:ReplayPromptShare", "0.4"),
            new("Probe:TopicPromptShare", "0.3"),
            new("Detection:AttributionMinimumResponses", "100"),
        ]);
        Dictionary<string, string[]> asked = new(StringComparer.Ordinal)
        {
            ["key-big"] = Questions("big", 200),
            ["key-small"] = Questions("small", 200),
            ["key-tiny"] = Questions("tiny", 200), // below the volume rule: never an attribution candidate
        };
        await SeedAsync(host, new Dictionary<string, int>(StringComparer.Ordinal) { ["key-big"] = 900, ["key-small"] = 300, ["key-tiny"] = 50 }, asked);
        ProbePlanner planner = host.Services.GetRequiredService<ProbePlanner>();

        Dictionary<string, int> perAccount = new(StringComparer.Ordinal);
        int reworded = 0;
        for (int seed = 0; seed < 10; seed++)
        {
            ProbePlan plan = await planner.PlanAsync(100, seed, await host.ReadSnapshotAsync());
            Assert.Empty(plan.Errors);
            Assert.Equal(100, plan.Prompts.Count);
            ProbePrompt[] replays = [.. plan.Prompts.Where(p => p.Kind == ProbePrompt.ReplayKind)];
            Assert.Equal(40, replays.Length);
            Assert.All(plan.Prompts.Skip(40), p => Assert.NotEqual(ProbePrompt.ReplayKind, p.Kind));
            foreach (ProbePrompt replay in replays)
            {
                string[] own = asked[replay.Account!];
                string original = Assert.Single(own, q => replay.Text.Contains(q, StringComparison.Ordinal));
                if (replay.Form == ProbePrompt.VerbatimForm)
                {
                    Assert.Equal(original, replay.Text);
                }
                else
                {
                    Assert.Equal(ProbePrompt.RewordedForm, replay.Form);
                    Assert.Contains(ReplayRewording.Templates, t => string.Format(CultureInfo.InvariantCulture, t, original) == replay.Text);
                    reworded++;
                }

                perAccount[replay.Account!] = perAccount.GetValueOrDefault(replay.Account!) + 1;
            }

            // Each sampled prompt at most once per run.
            Assert.Equal(40, replays.Select(r => (r.Account, Original: asked[r.Account!].Single(q => r.Text.Contains(q, StringComparison.Ordinal)))).Distinct().Count());
        }

        // 400 replays, drawn 3 : 1 by volume between the two candidates, none for the account below the volume rule.
        output.WriteLine($"replays per account: {string.Join(", ", perAccount.Select(p => p.Key + " " + p.Value))}; reworded {reworded} of 400");
        Assert.False(perAccount.ContainsKey("key-tiny"));
        Assert.InRange(perAccount["key-big"], 260, 340);
        Assert.InRange(reworded, 160, 240);
    }

    [Fact]
    public async Task A_student_that_memorised_one_accounts_marked_answers_gathers_evidence_against_it_with_replay_and_none_without()
    {
        // One account's traffic: its prompts and the marked answers it received. The student learned those answers word
        // for word (a student answers its training prompts in the words it was taught) and writes everything else in
        // its own, unmarked words: the few marked answers are drowned out on open prompts.
        CanaryKeyRing keyRing = new(MasterKey.FromBase64(EvidenceTestHost.MasterKey));
        TextMarker leaked = new CanaryMarker(keyRing, new CanaryMarkerOptions(), new InMemoryCanaryRegistry(), TimeProvider.System).CreateTextMarker("key-leaker");
        Dictionary<string, string[]> asked = new(StringComparer.Ordinal)
        {
            ["key-leaker"] = Questions("leaker", 1000),
            ["key-innocent"] = Questions("innocent", 1000),
        };
        Dictionary<string, string> memorised = asked["key-leaker"].ToDictionary(q => q, q => leaked.Mark(TeacherProse.Answer(q)), StringComparer.Ordinal);
        await using FakeOpenAiServer student = await FakeOpenAiServer.StartAsync((prompt, _) =>
        {
            string? learned = memorised.Keys.FirstOrDefault(q => prompt.Contains(q, StringComparison.Ordinal));
            return new FakeReply.Answer(learned is null ? TeacherProse.Answer(prompt) : memorised[learned]);
        });

        const int MaxRuns = 6;
        (int? withReplay, double withE, Transcript? first) = await RunUntilDistilledAsync(student, asked, replayShare: "0.6", MaxRuns);
        (int? withoutReplay, double withoutE, _) = await RunUntilDistilledAsync(student, asked, replayShare: "0", MaxRuns);
        output.WriteLine($"with replay: distilled after {withReplay?.ToString(CultureInfo.InvariantCulture) ?? "-"} run(s), leaker lexical e-value {withE:G3}");
        output.WriteLine($"without replay: distilled after {withoutReplay?.ToString(CultureInfo.InvariantCulture) ?? "-"} run(s) of {MaxRuns}, leaker lexical e-value {withoutE:G3}");

        // The test's teacher prose has a small vocabulary (the shipped lexicon's few groups, most of them only at a
        // sentence start), so its contexts are used up within a run or two and the e-value stops growing here (real
        // answers keep bringing new contexts); what it shows is the separation: with replay the leaker's evidence is
        // tens of times what the same student gives without, which stays at chance.
        Assert.True(withReplay is not null || withE > 10, $"with replay: e-value {withE:G3}");
        Assert.True(withoutReplay is null && withoutE < 2, $"without replay: distilled after {withoutReplay}, e-value {withoutE:G3}");
        Assert.True(withE > withoutE * 20, $"e-values {withE:G3} vs {withoutE:G3}");

        // The transcript says which prompts were replays and whose.
        Assert.NotNull(first);
        ProbeExchange[] replays = [.. first.Exchanges.Where(e => e.Kind == ProbePrompt.ReplayKind)];
        output.WriteLine($"replays in the first run: {replays.Length}");
        Assert.Equal(22, replays.Length); // 0.6 of the 36 planned prompts, rounded up
        Assert.All(replays, r => Assert.Equal("key-leaker", r.Account));
        Assert.All(replays, r => Assert.Contains(asked[r.Account!], q => r.Prompt.Contains(q, StringComparison.Ordinal)));
        Assert.Equal([ProbePrompt.RewordedForm, ProbePrompt.VerbatimForm], replays.Select(r => r.Form!).Distinct().Order(StringComparer.Ordinal));
        Assert.All(first.Exchanges.Where(e => e.Kind != ProbePrompt.ReplayKind), e => Assert.Null(e.Account));
    }

    /// <summary>Runs probes (seeded, so both settings see the same draws elsewhere) until the verdict is "distilled" and attributed to the leaker.</summary>
    [Fact]
    public async Task A_flagged_clusters_accounts_are_replayed_even_below_the_volume_rule()
    {
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(
        [
            new("Probe:ReplayPromptShare", "0.4"),
            new("Detection:AttributionMinimumResponses", "100"),
        ]);
        Dictionary<string, string[]> asked = new(StringComparer.Ordinal)
        {
            ["key-big"] = Questions("big", 200),
            ["key-harvest-1"] = Questions("harvest one", 60),
            ["key-harvest-2"] = Questions("harvest two", 60),
            ["key-tiny"] = Questions("tiny", 60),
        };
        await SeedAsync(host, new Dictionary<string, int>(StringComparer.Ordinal) { ["key-big"] = 300, ["key-harvest-1"] = 60, ["key-harvest-2"] = 60, ["key-tiny"] = 60 }, asked);
        await host.Services.GetRequiredService<IMonitorResultStore>().SaveAsync(new Core.Campaigns.MonitorOutcome(DateTimeOffset.UtcNow, [],
            [new Core.Campaigns.AccountCluster("cluster-harvest", ["key-harvest-1", "key-harvest-2"], true, ["2 of 2 accounts flagged"], 120)]));

        ProbePlan plan = await host.Services.GetRequiredService<ProbePlanner>().PlanAsync(100, seed: 3, await host.ReadSnapshotAsync());

        Assert.Empty(plan.Errors);
        string[] replayed = [.. plan.Prompts.Where(p => p.Kind == ProbePrompt.ReplayKind).Select(p => p.Account!).Distinct().Order(StringComparer.Ordinal)];
        Assert.Equal(["key-big", "key-harvest-1", "key-harvest-2"], replayed);
    }

    private static async Task<(int? Runs, double LeakerEValue, Transcript? FirstTranscript)> RunUntilDistilledAsync(FakeOpenAiServer student, Dictionary<string, string[]> asked, string replayShare, int maxRuns)
    {
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(
        [
            .. EvidenceTestHost.Competitor(0, "student", student, 40),
            new("Probe:ReplayPromptShare", replayShare),
            new("Probe:TopicPromptShare", "0.4"),
            new("Detection:AttributionMinimumResponses", "100"),
        ]);
        // The innocent account is below the volume rule: the leaker is the one candidate, so every replay is its prompt.
        await SeedAsync(host, new Dictionary<string, int>(StringComparer.Ordinal) { ["key-leaker"] = 1000, ["key-innocent"] = 60 }, asked);
        ProbeRunner runner = host.Services.GetRequiredService<ProbeRunner>();
        Transcript? first = null;
        double e = 0;
        for (int run = 1; run <= maxRuns; run++)
        {
            ProbeRunReport report = (await runner.TryRunAsync(planSeed: run))!;
            CompetitorRunResult result = Assert.Single(report.Competitors);
            Assert.Equal(36, result.Run.Answers); // 40 requests less the retry reserve (10 %)
            if (run == 1)
            {
                // Read back through the transcript store: the flags survive the stored format.
                first = await host.Services.GetRequiredService<ITranscriptStore>().GetAsync(result.Run.TranscriptName!);
            }

            List<EvidenceEntry> rows = await host.Services.GetRequiredService<IEvidenceLedger>().ReadAsync("student").ToListAsync();
            EvidenceDraft leaker = rows.Last(r => r.Draft.Family == DetectionFamilies.Lexical && r.Draft.KeyId == "account:key-leaker").Draft;
            e = leaker.EValue;
            Assert.DoesNotContain(rows, r => r.Draft.Verdict == DetectionVerdicts.Distilled && r.Draft.AttributedAccount == "key-innocent");
            if (leaker.Verdict == DetectionVerdicts.Distilled && leaker.AttributedAccount == "key-leaker")
            {
                return (run, e, first);
            }
        }

        return (null, e, first);
    }

    private static async Task SeedAsync(EvidenceTestHost host, Dictionary<string, int> volume, Dictionary<string, string[]> asked)
    {
        IIssuanceLog issuance = host.Services.GetRequiredService<IIssuanceLog>();
        IPromptSampleLog samples = host.Services.GetRequiredService<IPromptSampleLog>();
        foreach ((string account, int responses) in volume)
        {
            for (int i = 0; i < responses; i++)
            {
                Assert.True(issuance.Record(new IssuanceEvent(account, DateTimeOffset.UtcNow, 1, null, null)));
                Assert.True(samples.Record(new PromptSample(account, DateTimeOffset.UtcNow, asked[account][i % asked[account].Length])));
            }
        }

        await issuance.FlushAsync();
        await samples.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static string[] Questions(string who, int count) =>
        [.. Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"How can our {who} team keep project {i} on schedule?"))];
}
