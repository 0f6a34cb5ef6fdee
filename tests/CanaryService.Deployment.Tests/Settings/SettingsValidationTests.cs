using CanaryService.Application.Configuration;
using CanaryService.Deployment.Tests.Bicep;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CanaryService.Deployment.Tests.Settings;

/// <summary>
/// What the sample and the deployment set passes the service's own startup validation, so `func start` with the
/// sample and a fresh deployment start instead of failing on a setting.
/// </summary>
[Trait("Category", "Integration")]
[Collection(DeploymentCollection.Name)]
public sealed class SettingsValidationTests(DeploymentFixture fixture)
{
    [Fact]
    public void Local_sample_passes_the_probe_options_validation()
    {
        ProbeOptions probe = BindProbeOptions(LocalSample.Values());
        Assert.Equal("local-model", Assert.Single(probe.Competitors).Name);
        Assert.Null(probe.WebhookUrl); // an empty value means "not set"
    }

    [Fact]
    public void Deployed_settings_pass_the_probe_options_validation()
    {
        // Values computed at deployment ([expressions], Key Vault references) stand in as the non-empty strings they become.
        ProbeOptions probe = BindProbeOptions(fixture.Snapshot.AppSettings);
        Assert.Equal(["rival-a", "rival-b"], probe.Competitors.Select(c => c.Name));
        Assert.Equal(DeploymentFixture.ProbeSchedule, probe.Schedule);
    }

    private static ProbeOptions BindProbeOptions(IReadOnlyDictionary<string, string> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), (string?)s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCanaryProbing(configuration);
        using ServiceProvider provider = services.BuildServiceProvider();

        // Resolving the options runs the validators the host runs at startup (OptionsValidationException on failure).
        _ = provider.GetRequiredService<IOptions<EvidenceOptions>>().Value;
        return provider.GetRequiredService<IOptions<ProbeOptions>>().Value;
    }
}
