using CanaryService.Application.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Tests.Probing;

public sealed class ProbeOptionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddCanaryProbing(configuration).BuildServiceProvider();
    }

    [Fact]
    public void Competitors_bind_from_the_documented_configuration_names()
    {
        using ServiceProvider services = Build(new()
        {
            ["Probe:Schedule"] = "30 15 */2 * * *",
            ["Probe:Alpha"] = "0.001",
            ["Probe:Competitors:0:Name"] = "rival-a",
            ["Probe:Competitors:0:BaseUrl"] = "https://api.rival.example/v1",
            ["Probe:Competitors:0:Model"] = "rival-large",
            ["Probe:Competitors:0:ApiKey"] = "sk-rival",
            ["Probe:Competitors:0:MaxRequestsPerRun"] = "12",
            ["Evidence:AdminKey"] = "0123456789abcdef-admin",
        });

        ProbeOptions probe = services.GetRequiredService<IOptions<ProbeOptions>>().Value;
        CompetitorOptions competitor = Assert.Single(probe.Competitors);
        Assert.Equal("rival-a", competitor.Name);
        Assert.Equal(new Uri("https://api.rival.example/v1"), competitor.BaseUrl);
        Assert.Equal(12, competitor.MaxRequestsPerRun);
        Assert.Equal(0.001, probe.Alpha);
        Assert.Equal("0123456789abcdef-admin", services.GetRequiredService<IOptions<EvidenceOptions>>().Value.AdminKey);
    }

    [Fact]
    public void Bad_settings_fail_at_startup_naming_each_key()
    {
        using ServiceProvider services = Build(new()
        {
            ["Probe:Schedule"] = "0 */6 * * *",
            ["Probe:Alpha"] = "2",
            ["Probe:RetryReserveShare"] = "0.9",
            ["Probe:Competitors:0:Name"] = "bad name!",
            ["Probe:Competitors:0:BaseUrl"] = "ftp://x",
            ["Probe:Competitors:0:MaxRequestsPerRun"] = "0",
            ["Probe:Competitors:1:Name"] = "ok",
            ["Probe:Competitors:1:BaseUrl"] = "http://127.0.0.1:1/v1",
            ["Probe:Competitors:1:Model"] = "m",
            ["Probe:Competitors:1:ApiKey"] = "k",
            ["Probe:Competitors:1:TimeoutSeconds"] = "-1",
        });

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ProbeOptions>>().Value);
        string message = string.Join("\n", error.Failures);
        Assert.Contains("Probe:Schedule", message, StringComparison.Ordinal);
        Assert.Contains("Probe:Alpha", message, StringComparison.Ordinal);
        Assert.Contains("Probe:RetryReserveShare", message, StringComparison.Ordinal);
        Assert.Contains("Probe:Competitors:0:Name", message, StringComparison.Ordinal);
        Assert.Contains("Probe:Competitors:0:BaseUrl", message, StringComparison.Ordinal);
        Assert.Contains("Probe:Competitors:0:Model", message, StringComparison.Ordinal);
        Assert.Contains("Probe:Competitors:0:ApiKey", message, StringComparison.Ordinal);
        Assert.Contains("Probe:Competitors:0:MaxRequestsPerRun", message, StringComparison.Ordinal);
        Assert.Contains("Probe:Competitors:1:TimeoutSeconds", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Probe:Competitors:1:Name", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40, 2, 0.1, 36)]    // the defaults: 4 requests kept for retries
    [InlineData(6, 1, 0.1, 5)]      // a small budget still keeps one
    [InlineData(400, 1, 0.1, 360)]
    [InlineData(6, 0, 0.1, 6)]      // no retries, no reserve
    [InlineData(10, 2, 0, 9)]       // a share of 0 still keeps one request when prompts are retried
    [InlineData(1, 2, 0.1, 1)]      // never fewer than one prompt
    public void A_run_plans_its_budget_less_a_retry_reserve(int budget, int retries, double share, int prompts) =>
        Assert.Equal(prompts, Application.Probing.ProbePlanner.PromptCount(budget, retries, share));

    [Fact]
    public void A_short_admin_key_is_refused_but_none_is_allowed()
    {
        using ServiceProvider weak = Build(new() { ["Evidence:AdminKey"] = "short" });
        Assert.Throws<OptionsValidationException>(() => weak.GetRequiredService<IOptions<EvidenceOptions>>().Value);

        using ServiceProvider none = Build([]);
        Assert.Null(none.GetRequiredService<IOptions<EvidenceOptions>>().Value.AdminKey);
    }
}
