using System.Globalization;
using CanaryService.Application.Probing;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Evidence;

/// <summary>The planner replays exactly the accounts that the scoring then tests for attribution.</summary>
public sealed class AttributionCandidateTests
{
    // Marked responses per account: one below the minimum, one at it, two above.
    private static readonly (string Account, int Marked)[] Accounts = [("key-below", 4), ("key-at", 5), ("key-above", 6), ("key-most", 9)];

    [Theory]
    [InlineData(5, 50)]
    [InlineData(6, 50)]
    [InlineData(5, 2)]
    [InlineData(10, 50)]
    public async Task The_planners_replayed_accounts_are_the_scorings_attribution_tests(int minimum, int maximum)
    {
        await using ProbingServices host = ProbingServices.Create(
        [
            new("Detection:AttributionMinimumResponses", minimum.ToString(CultureInfo.InvariantCulture)),
            new("Detection:AttributionMaximumAccounts", maximum.ToString(CultureInfo.InvariantCulture)),
            new("Probe:ReplayPromptShare", "1"),
            new("Probe:TopicPromptShare", "0"),
        ]);
        IIssuanceLog issuance = host.Services.GetRequiredService<IIssuanceLog>();
        IPromptSampleLog samples = host.Services.GetRequiredService<IPromptSampleLog>();
        foreach ((string account, int marked) in Accounts)
        {
            for (int i = 0; i < marked; i++)
            {
                Assert.True(issuance.Record(new IssuanceEvent(account, DateTimeOffset.UtcNow, 1, null, null)));
                Assert.True(samples.Record(new PromptSample(account, DateTimeOffset.UtcNow, $"Question {i} that {account} asked about rivers?")));
            }
        }

        await issuance.FlushAsync();
        await samples.FlushAsync();

        ProbePlan plan = await host.Services.GetRequiredService<ProbePlanner>().PlanAsync(200, seed: 7, await host.ReadSnapshotAsync());
        string[] replayed = [.. plan.Prompts.Where(p => p.Kind == ProbePrompt.ReplayKind).Select(p => p.Account!).Distinct().Order(StringComparer.Ordinal)];

        Transcript transcript = new("rival", "run-1", DateTimeOffset.UtcNow,
            [.. plan.Prompts.Select(p => new ProbeExchange(p.Kind, p.Epoch, p.Topic, p.Text, "Moreover, rivers usually run to the sea.", null, DateTimeOffset.UtcNow, p.Account, p.Form))]);
        CompetitorScore score = await host.Services.GetRequiredService<CompetitorScoring>().ScoreAndAppendAsync("rival", "run-1", "transcript-1", transcript, await host.ReadSnapshotAsync());
        string[] tested = [.. score.Assessment.Tests.Select(t => t.AccountId).OfType<string>().Distinct().Order(StringComparer.Ordinal)];

        Assert.Empty(plan.Errors);
        Assert.Equal(tested, replayed);
        // The boundary itself: an account at the minimum is a candidate, one below is not.
        string[] expected = [.. Accounts.Where(a => a.Marked >= minimum).OrderByDescending(a => a.Marked).Take(maximum).Select(a => a.Account).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, tested);
    }
}
