using CanaryService.Core.Campaigns;

namespace CanaryService.Core.Tests.Campaigns;

/// <summary>
/// The monitor on simulated traffic: a 30-account harvesting campaign among 1,000 benign accounts is flagged (≥ 90 %),
/// the benign accounts are not (≤ 2 %), and the campaign is one cluster with no benign account in it.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class ExtractionMonitorSimulationTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(11, true)]
    [InlineData(12, true)]
    [InlineData(13, false)]
    public void A_templated_campaign_is_flagged_and_linked_into_one_cluster_and_benign_accounts_are_not(int seed, bool campaignAddresses)
    {
        var simulation = new CampaignTrafficSimulation(seed, Start);
        List<AccountTrafficWindow> windows = CampaignTrafficSimulation.Reduce(simulation.Generate(1000, 30, campaignAddresses: campaignAddresses), new PromptShape(new byte[32]));

        MonitorOutcome outcome = new ExtractionMonitor(new CampaignOptions()).Assess(windows, Start.AddDays(7));

        HashSet<string> flagged = [.. outcome.Flagged.Select(a => a.Account)];
        int campaignFlagged = simulation.CampaignAccounts.Count(flagged.Contains);
        int benignFlagged = simulation.BenignAccounts.Count(flagged.Contains);
        Assert.True(campaignFlagged >= 27, $"{campaignFlagged} of 30 campaign accounts flagged");
        Assert.True(benignFlagged <= 20, $"{benignFlagged} of 1000 benign accounts flagged");

        AccountCluster cluster = Assert.Single(outcome.Clusters, c => c.Accounts.Intersect(simulation.CampaignAccounts).Any());
        Assert.Equal(simulation.CampaignAccounts.Order(StringComparer.Ordinal), cluster.Accounts.Order(StringComparer.Ordinal));
        Assert.True(cluster.Flagged);
        Assert.Contains(cluster.Signals, s => s.StartsWith("prompt template", StringComparison.Ordinal));
        Assert.All(outcome.Accounts.Where(a => simulation.CampaignAccounts.Contains(a.Account)), a => Assert.Equal(cluster.Cluster, a.Cluster));
    }

    [Fact]
    public void Every_flag_gives_its_reasons_with_figures()
    {
        var simulation = new CampaignTrafficSimulation(21, Start);
        List<AccountTrafficWindow> windows = CampaignTrafficSimulation.Reduce(simulation.Generate(300, 30), new PromptShape(new byte[32]));

        MonitorOutcome outcome = new ExtractionMonitor(new CampaignOptions()).Assess(windows, Start.AddDays(7));

        Assert.NotEmpty(outcome.Flagged);
        Assert.All(outcome.Flagged, a =>
        {
            Assert.Contains(a.Reasons, r => r.StartsWith("requests ", StringComparison.Ordinal) && r.Contains("robust z", StringComparison.Ordinal));
            Assert.True(a.Reasons.Count >= 3, string.Join("; ", a.Reasons));
        });
    }

    [Fact]
    public void Without_a_campaign_almost_no_account_is_flagged_and_no_cluster_is()
    {
        var simulation = new CampaignTrafficSimulation(31, Start);
        List<AccountTrafficWindow> windows = CampaignTrafficSimulation.Reduce(simulation.Generate(1000, 0), new PromptShape(new byte[32]));

        MonitorOutcome outcome = new ExtractionMonitor(new CampaignOptions()).Assess(windows, Start.AddDays(7));

        Assert.True(outcome.Flagged.Count() <= 20, $"{outcome.Flagged.Count()} of 1000 benign accounts flagged");
        Assert.DoesNotContain(outcome.Clusters, c => c.Flagged);
    }
}
