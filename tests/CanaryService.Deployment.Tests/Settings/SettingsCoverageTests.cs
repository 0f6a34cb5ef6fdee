using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CanaryService.Deployment.Tests.Bicep;

namespace CanaryService.Deployment.Tests.Settings;

/// <summary>
/// Every setting the code reads (every property of every options class, found by reflection) is deployed by
/// infra-bicep and documented in local.settings.sample.json, and neither holds a setting the code no longer reads.
/// </summary>
[Trait("Category", "Integration")]
[Collection(DeploymentCollection.Name)]
public sealed class SettingsCoverageTests(DeploymentFixture fixture)
{
    /// <summary>Settings the Functions app in Azure does not get, and why.</summary>
    private static readonly Dictionary<string, string> NotDeployed = new(StringComparer.Ordinal)
    {
        ["Evidence:AdminKey"] = "Host only: the Functions app guards the evidence API with function keys.",
        ["Storage:ConnectionString"] = "Azure reaches storage with the managed identity and the service URIs; a connection string needs shared keys, which are off.",
    };

    /// <summary>Settings local.settings.sample.json leaves out, and why.</summary>
    private static readonly Dictionary<string, string> NotInSample = new(StringComparer.Ordinal)
    {
        ["Evidence:AdminKey"] = "Host only: `func start` serves the evidence API behind function keys (not enforced locally).",
    };

    /// <summary>App settings whose value the test parameters set (so they need not equal the code's default).</summary>
    private static readonly HashSet<string> SetByTestParameters = new(StringComparer.Ordinal)
    {
        "Upstream:BaseUrl", "Probe:Schedule",
        "Probe:Competitors:0:Name", "Probe:Competitors:0:BaseUrl", "Probe:Competitors:0:Model", "Probe:Competitors:0:MaxRequestsPerRun",
        "Lineage:References:0:Name", "Lineage:References:0:BaseUrl", "Lineage:References:0:Model",
    };

    private static readonly IReadOnlyList<SettingKey> Settings = SettingKeys.All();

    [Fact]
    public void Options_classes_are_found_by_reflection()
    {
        string[] sections = SettingKeys.OptionsTypes().Select(t => SettingKeys.SectionOf(t)!).ToArray();
        Assert.NotEmpty(sections);

        // An exclusion names a real setting of a section the code has (a section that is gone takes its exclusions with it).
        foreach (string key in NotDeployed.Keys.Concat(NotInSample.Keys).Where(k => sections.Contains(k.Split(':')[0])))
        {
            Assert.Contains(Settings, s => s.Key == key);
        }
    }

    [Fact]
    public void Every_setting_is_in_the_local_settings_sample()
    {
        Dictionary<string, string> sample = LocalSample.Values();
        string[] missing = Settings
            .Where(s => !NotInSample.ContainsKey(s.Key) && !sample.ContainsKey(s.EnvironmentName))
            .Select(s => s.EnvironmentName).ToArray();
        Assert.True(missing.Length == 0, "local.settings.sample.json lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_setting_is_in_the_bicep_app_settings()
    {
        IReadOnlyDictionary<string, string> deployed = fixture.Snapshot.AppSettings;
        string[] missing = Settings
            .Where(s => !NotDeployed.ContainsKey(s.Key) && !deployed.ContainsKey(s.EnvironmentName))
            .Select(s => s.EnvironmentName).ToArray();
        Assert.True(missing.Length == 0, "infra-bicep app settings lack: " + string.Join(", ", missing));
        Assert.All(NotDeployed.Keys, key => Assert.DoesNotContain(key.Replace(":", "__", StringComparison.Ordinal), deployed.Keys));
    }

    [Fact]
    public void Neither_the_sample_nor_bicep_sets_a_setting_the_code_does_not_read()
    {
        var known = Settings.Select(s => s.EnvironmentName).ToHashSet(StringComparer.Ordinal);
        var sections = SettingKeys.OptionsTypes().Select(t => SettingKeys.SectionOf(t)!).ToHashSet(StringComparer.Ordinal);

        foreach ((string source, IEnumerable<string> names) in new[]
        {
            ("local.settings.sample.json", LocalSample.Values().Keys),
            ("infra-bicep", fixture.Snapshot.AppSettings.Keys),
        })
        {
            string[] stale = names
                .Where(n => sections.Contains(n.Split("__")[0]))
                .Where(n => !known.Contains(AtIndexZero(n)))
                .ToArray();
            Assert.True(stale.Length == 0, $"{source} sets settings no options class reads: {string.Join(", ", stale)}");
        }
    }

    [Fact]
    public void Bicep_tuning_values_equal_the_code_defaults()
    {
        IReadOnlyDictionary<string, string> deployed = fixture.Snapshot.AppSettings;
        foreach (SettingKey setting in Settings.Where(s => s.Default is not null && !SetByTestParameters.Contains(s.Key)))
        {
            if (!deployed.TryGetValue(setting.EnvironmentName, out string? value) || value.StartsWith('[') || value.StartsWith("@Microsoft.KeyVault", StringComparison.Ordinal))
            {
                continue; // absent (reported by the coverage test) or computed at deployment (names, endpoints, references)
            }

            Assert.True(
                Equals(setting.Default, Convert(setting.Type, value)),
                $"{setting.EnvironmentName}: infra-bicep deploys '{value}', the code's default is '{string.Format(CultureInfo.InvariantCulture, "{0}", setting.Default)}'");
        }
    }

    [Fact]
    public void The_probe_schedule_has_one_default_in_code_bicep_its_parameter_file_and_the_sample()
    {
        // The deployment fixture sets its own schedule, so the comparison above skips it: read the defaults as written.
        string expected = new CanaryService.Application.Configuration.ProbeOptions().Schedule;
        string root = BicepCli.RepositoryRoot;
        string bicep = File.ReadAllText(Path.Combine(root, "infra-bicep", "main.bicep"));
        string parameters = File.ReadAllText(Path.Combine(root, "infra-bicep", "main.bicepparam"));
        Assert.Equal(expected, Regex.Match(bicep, @"param probeSchedule string = '([^']+)'").Groups[1].Value);
        Assert.Equal(expected, Regex.Match(parameters, @"'CANARY_PROBE_SCHEDULE', '([^']+)'").Groups[1].Value);
        Assert.Equal(expected, LocalSample.Values()["Probe__Schedule"]);
    }

    [Fact]
    public void Local_sample_runs_the_isolated_worker_on_development_storage()
    {
        Dictionary<string, string> sample = LocalSample.Values();
        Assert.Equal("dotnet-isolated", sample["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("UseDevelopmentStorage=true", sample["AzureWebJobsStorage"]);
        Assert.Equal("UseDevelopmentStorage=true", sample["Storage__ConnectionString"]);

        // Every sample value parses as the type the code binds it to (an empty value means "not set").
        foreach (SettingKey setting in Settings.Where(s => sample.ContainsKey(s.EnvironmentName)))
        {
            string value = sample[setting.EnvironmentName];
            if (value.Length > 0)
            {
                _ = Convert(setting.Type, value);
            }
            else
            {
                Assert.True(
                    setting.Type == typeof(string) || setting.Type == typeof(Uri),
                    $"{setting.EnvironmentName} is empty but binds to {setting.Type.Name}, which refuses an empty value");
            }
        }
    }

    private static object? Convert(Type type, string value) =>
        TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).ConvertFromInvariantString(value);

    /// <summary><c>Probe__Competitors__3__Name</c> → <c>Probe__Competitors__0__Name</c>.</summary>
    private static string AtIndexZero(string name) =>
        string.Join("__", name.Split("__").Select(part => part.All(char.IsAsciiDigit) ? "0" : part));

}

/// <summary>The <c>Values</c> of local.settings.sample.json.</summary>
internal static class LocalSample
{
    public static Dictionary<string, string> Values()
    {
        string path = Path.Combine(BicepCli.RepositoryRoot, "local.settings.sample.json");
        JsonObject values = JsonNode.Parse(File.ReadAllText(path))!["Values"]!.AsObject();
        return values.ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.Ordinal);
    }
}
