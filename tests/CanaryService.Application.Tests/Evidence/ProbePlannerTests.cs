using CanaryService.Application.Probing;
using CanaryService.Core.Issuance;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Evidence;

/// <summary>The probe planner, on the probing services over the in-memory stores (no server, no storage).</summary>
public sealed class ProbePlannerTests
{
    [Fact]
    public async Task Topic_prompts_ask_every_issued_canary_once_per_round_and_open_prompts_vary()
    {
        await using ProbingServices host = ProbingServices.Create([]);
        ICanaryRegistry registry = host.Services.GetRequiredService<ICanaryRegistry>();
        string[] candidates = [.. Enumerable.Range(0, 100).Select(i => $"the candidate-{i} rule")];
        await registry.RegisterAsync(new CanaryRecord("2026-11", "often+issued", ["often", "issued"], candidates, new string('a', 64), DateTimeOffset.UtcNow));
        await registry.RegisterAsync(new CanaryRecord("2026-11", "rarely+issued", ["rarely", "issued"], candidates, new string('b', 64), DateTimeOffset.UtcNow));
        await registry.RegisterAsync(new CanaryRecord("2026-11", "never+issued", ["never", "issued"], candidates, new string('c', 64), DateTimeOffset.UtcNow));
        IIssuanceLog issuance = host.Services.GetRequiredService<IIssuanceLog>();
        for (int i = 0; i < 40; i++)
        {
            Assert.True(issuance.Record(new IssuanceEvent("key-a" + (i % 3), DateTimeOffset.UtcNow, 1, "2026-11", i < 36 ? "often+issued" : "rarely+issued")));
        }

        await issuance.FlushAsync();

        ProbePlan plan = await host.Services.GetRequiredService<ProbePlanner>().PlanAsync(400, seed: 42, await host.ReadSnapshotAsync());

        Assert.Empty(plan.Errors);
        Assert.Equal(2, plan.IssuedCanaries);
        Assert.Equal(400, plan.Prompts.Count);
        ProbePrompt[] topic = [.. plan.Prompts.Where(p => p.Kind == ProbePrompt.TopicKind)];
        Assert.Equal(200, topic.Length);
        int often = topic.Count(p => p.Topic == "often+issued");
        int rarely = topic.Count(p => p.Topic == "rarely+issued");
        // Every issued topic is asked once per round: distinct topics are independent evidence.
        Assert.Equal((100, 100), (often, rarely));
        Assert.All(topic.Chunk(2), round => Assert.Equal(2, round.Select(p => p.Topic).Distinct().Count()));
        Assert.All(topic, p => Assert.Contains(p.Topic == "often+issued" ? "often issued" : "rarely issued", p.Text, StringComparison.Ordinal));
        Assert.All(topic, p => Assert.Equal("2026-11", p.Epoch));

        // Open prompts: prose about varied subjects, none repeated before every subject was used.
        ProbePrompt[] open = [.. plan.Prompts.Where(p => p.Kind == ProbePrompt.OpenKind)];
        Assert.Equal(200, open.Length);
        Assert.Equal(open.Take(50).Count(), open.Take(50).Select(p => p.Text).Distinct().Count());
        Assert.All(open, p => Assert.Null(p.Topic));

        // Another seed, another draw.
        ProbePlan other = await host.Services.GetRequiredService<ProbePlanner>().PlanAsync(400, seed: 43, await host.ReadSnapshotAsync());
        Assert.NotEqual(plan.Prompts.Select(p => p.Text), other.Prompts.Select(p => p.Text));
    }

    [Fact]
    public async Task With_fewer_prompts_than_topics_the_often_issued_and_single_recipient_topics_come_first()
    {
        await using ProbingServices host = ProbingServices.Create([]);
        ICanaryRegistry registry = host.Services.GetRequiredService<ICanaryRegistry>();
        IIssuanceLog issuance = host.Services.GetRequiredService<IIssuanceLog>();
        string[] candidates = [.. Enumerable.Range(0, 100).Select(i => $"the candidate-{i} rule")];
        // 30 topics: 10 issued often to two accounts, 10 issued once to two accounts, 10 issued once to key-a alone.
        for (int i = 0; i < 30; i++)
        {
            string topic = $"topic{i}+words";
            await registry.RegisterAsync(new CanaryRecord("2026-11", topic, [$"topic{i}", "words"], candidates, new string('a', 64), DateTimeOffset.UtcNow));
            string[] recipients = i < 20 ? ["key-a", "key-b"] : ["key-a"];
            int times = i < 10 ? 10 : 1;
            foreach (string account in recipients)
            {
                for (int t = 0; t < times; t++)
                {
                    Assert.True(issuance.Record(new IssuanceEvent(account, DateTimeOffset.UtcNow, 1, "2026-11", topic)));
                }
            }
        }

        await issuance.FlushAsync();
        ProbePlanner planner = host.Services.GetRequiredService<ProbePlanner>();
        int[] asked = new int[30];
        for (int seed = 0; seed < 40; seed++)
        {
            ProbePlan plan = await planner.PlanAsync(20, seed, await host.ReadSnapshotAsync());
            string[] topics = [.. plan.Prompts.Where(p => p.Kind == ProbePrompt.TopicKind).Select(p => p.Topic!)];
            Assert.Equal(10, topics.Length);
            Assert.Equal(10, topics.Distinct().Count());
            foreach (string topic in topics)
            {
                asked[int.Parse(topic[5..topic.IndexOf('+', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)]++;
            }
        }

        int often = asked[..10].Sum(), sharedOnce = asked[10..20].Sum(), exclusiveOnce = asked[20..].Sum();
        Assert.True(often > exclusiveOnce && exclusiveOnce > sharedOnce, $"often {often}, exclusive {exclusiveOnce}, shared {sharedOnce}");
    }

    [Fact]
    public async Task Without_issued_canaries_every_prompt_is_open()
    {
        await using ProbingServices host = ProbingServices.Create([]);

        ProbePlan plan = await host.Services.GetRequiredService<ProbePlanner>().PlanAsync(12, seed: 1, await host.ReadSnapshotAsync());

        Assert.Equal(12, plan.Prompts.Count);
        Assert.All(plan.Prompts, p => Assert.Equal(ProbePrompt.OpenKind, p.Kind));
    }
}
