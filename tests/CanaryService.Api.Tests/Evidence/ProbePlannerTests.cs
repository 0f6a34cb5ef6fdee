using CanaryService.Api.Probing;
using CanaryService.Core.Ports;
using CanaryService.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Api.Tests.Evidence;

[Collection(ProbeStorageCollection.Name)]
public sealed class ProbePlannerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Topic_prompts_ask_about_issued_canaries_in_proportion_to_issuance_and_open_prompts_vary()
    {
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(azurite, []);
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

        ProbePlan plan = await host.Services.GetRequiredService<ProbePlanner>().PlanAsync(400, seed: 42);

        Assert.Empty(plan.Errors);
        Assert.Equal(2, plan.IssuedCanaries);
        Assert.Equal(400, plan.Prompts.Count);
        ProbePrompt[] topic = [.. plan.Prompts.Where(p => p.Kind == ProbePrompt.TopicKind)];
        Assert.Equal(200, topic.Length);
        int often = topic.Count(p => p.Topic == "often+issued");
        int rarely = topic.Count(p => p.Topic == "rarely+issued");
        Assert.Equal(200, often + rarely);
        Assert.True(often > 3 * rarely, $"often {often}, rarely {rarely}");
        Assert.True(rarely > 0);
        Assert.All(topic, p => Assert.Contains(p.Topic == "often+issued" ? "often issued" : "rarely issued", p.Text, StringComparison.Ordinal));
        Assert.All(topic, p => Assert.Equal("2026-11", p.Epoch));

        // Open prompts: prose about varied subjects, none repeated before every subject was used.
        ProbePrompt[] open = [.. plan.Prompts.Where(p => p.Kind == ProbePrompt.OpenKind)];
        Assert.Equal(200, open.Length);
        Assert.Equal(open.Take(50).Count(), open.Take(50).Select(p => p.Text).Distinct().Count());
        Assert.All(open, p => Assert.Null(p.Topic));

        // Another seed, another draw.
        ProbePlan other = await host.Services.GetRequiredService<ProbePlanner>().PlanAsync(400, seed: 43);
        Assert.NotEqual(plan.Prompts.Select(p => p.Text), other.Prompts.Select(p => p.Text));
    }

    [Fact]
    public async Task Without_issued_canaries_every_prompt_is_open()
    {
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(azurite, []);

        ProbePlan plan = await host.Services.GetRequiredService<ProbePlanner>().PlanAsync(12, seed: 1);

        Assert.Equal(12, plan.Prompts.Count);
        Assert.All(plan.Prompts, p => Assert.Equal(ProbePrompt.OpenKind, p.Kind));
    }
}
