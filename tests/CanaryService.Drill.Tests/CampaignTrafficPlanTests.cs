using CanaryService.Core.Campaigns;
using CanaryService.Core.Phrases;
using CanaryService.Drill.Campaign;
using CanaryService.Drill.Corpus;
using CanaryService.Drill.Serving;

namespace CanaryService.Drill.Tests;

public sealed class CampaignTrafficPlanTests
{
    private static readonly TeacherCorpus Corpus = TeacherCorpus.Generate(seed: 3, size: 460);

    private static readonly CorpusEntry[] Harvested = [.. Corpus.Entries.Skip(400)];

    [Fact]
    public void Every_harvest_prompt_wraps_a_harvested_prompt_that_the_teacher_answers_and_keeps_its_topic()
    {
        IReadOnlyList<AccountTraffic> plan = CampaignTrafficPlan.Harvest(Harvested, CampaignTrafficPlan.HarvestAccounts(30), seed: 11);
        var teacher = new TeacherResponder(Corpus);

        Assert.Equal(30, plan.Count);
        Assert.All(plan, account =>
        {
            Assert.Equal(CampaignTrafficPlan.HarvestRequestsPerAccount, account.Requests.Select(r => r.Prompt).Distinct().Count());
            Assert.All(account.Requests, r =>
            {
                CorpusEntry? entry = Corpus.Find(r.Prompt);
                Assert.NotNull(entry);
                Assert.Contains(entry, Harvested);
                Assert.NotEqual(entry.Prompt, r.Prompt);
                Assert.Equal(entry.Answer, teacher.Respond(r.Prompt));
                Assert.True(PromptShape.IsReasoningEliciting(r.Prompt), r.Prompt);
                Assert.Null(r.Earlier);

                // The template's words are no topic words: the canary drawn for the request is the harvested prompt's.
                Assert.Equal(TopicBucket.FromPrompt(entry.Prompt)!.Key, TopicBucket.FromPrompt(r.Prompt)!.Key);
            });
        });
    }

    [Fact]
    public void Each_harvest_account_keeps_one_template_and_one_network_and_every_template_meets_every_network()
    {
        IReadOnlyList<AccountTraffic> plan = CampaignTrafficPlan.Harvest(Harvested, CampaignTrafficPlan.HarvestAccounts(30), seed: 11);

        static string Template(string prompt) => prompt.Replace(Corpus.Find(prompt)!.Prompt, "{0}", StringComparison.Ordinal);
        var pairs = plan.Select(a => (
            Templates: a.Requests.Select(r => Template(r.Prompt)).Distinct().ToArray(),
            Network: ClientAddressPrefix.Of(a.ClientAddress))).ToArray();

        Assert.All(pairs, p => Assert.Single(p.Templates));
        Assert.Equal(9, pairs.Select(p => (p.Templates[0], p.Network)).Distinct().Count());
    }

    [Fact]
    public void Benign_accounts_hold_short_multi_turn_conversations_from_their_own_networks()
    {
        IReadOnlyList<AccountTraffic> plan = CampaignTrafficPlan.Benign(CampaignTrafficPlan.BenignAccounts(150), seed: 5);

        Assert.Equal(150, plan.Count);
        Assert.All(plan, a => Assert.InRange(a.Requests.Count, 2, CampaignTrafficPlan.BenignMaxRequests));
        Assert.True(plan.Select(a => ClientAddressPrefix.Of(a.ClientAddress)).Distinct().Count() > 140);
        TrafficRequestCounts counts = new(
            plan.Sum(a => a.Requests.Count),
            plan.Sum(a => a.Requests.Count(r => r.Earlier is not { Count: > 0 })),
            plan.Sum(a => a.Requests.Count(r => PromptShape.IsReasoningEliciting(r.Prompt))));
        Assert.InRange(counts.SingleTurn, counts.Total / 5, counts.Total / 2);
        Assert.InRange(counts.Reasoning, 0, counts.Total / 20);

        // A later turn carries the conversation so far: user and assistant alternating, the teacher's replies included.
        var teacher = new TeacherResponder(Corpus);
        Assert.All(plan.SelectMany(a => a.Requests).Where(r => r.Earlier is { Count: > 0 }), r =>
        {
            Assert.Equal(0, r.Earlier!.Count % 2);
            Assert.Equal(teacher.Respond(r.Earlier[^2]), r.Earlier[^1]);
        });
    }

    [Fact]
    public void The_teachers_everyday_reply_closes_with_a_question_so_the_proxy_adds_no_canary_to_it()
    {
        string reply = new TeacherResponder(Corpus).Respond("can you shorten my wedding speech")!;

        Assert.EndsWith("?", reply, StringComparison.Ordinal);
        Assert.Equal(reply, ChatReplies.For("can you shorten my wedding speech"));
        Assert.True(Enumerable.Range(0, 20).Select(i => ChatReplies.For("prompt " + i)).Distinct().Count() > 1);
    }

    private readonly record struct TrafficRequestCounts(int Total, int SingleTurn, int Reasoning);
}
