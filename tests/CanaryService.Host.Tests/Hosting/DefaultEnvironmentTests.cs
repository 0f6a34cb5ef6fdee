using System.Text.Json;
using CanaryService.Host.Hosting;

namespace CanaryService.Host.Tests.Hosting;

/// <summary>The environment a user sets is the environment the Host runs in; <c>dotnet run</c> alone gives Development.</summary>
public sealed class DefaultEnvironmentTests
{
    private static Func<string, string?> Variables(params (string Name, string Value)[] set) =>
        name => set.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData("ASPNETCORE_ENVIRONMENT")]
    [InlineData("DOTNET_ENVIRONMENT")]
    public void An_environment_the_user_sets_wins_over_the_launch_profiles_default(string variable)
    {
        string[] args = ["--urls", "http://127.0.0.1:0"];

        string[] applied = DefaultEnvironment.Apply(args, Variables((variable, "Production"), (DefaultEnvironment.VariableName, "Development")));

        Assert.Equal(args, applied);
    }

    [Theory]
    [InlineData("--environment", "Staging")]
    [InlineData("--environment=Staging", null)]
    [InlineData("/environment", "Staging")]
    public void An_environment_on_the_command_line_wins_too(string argument, string? value)
    {
        string[] args = value is null ? [argument] : [argument, value];

        Assert.Equal(args, DefaultEnvironment.Apply(args, Variables((DefaultEnvironment.VariableName, "Development"))));
    }

    [Fact]
    public void With_nothing_chosen_the_launch_profiles_default_applies()
    {
        string[] applied = DefaultEnvironment.Apply(["--urls", "http://127.0.0.1:0"], Variables((DefaultEnvironment.VariableName, "Development")));

        Assert.Equal(["--urls", "http://127.0.0.1:0", "--environment", "Development"], applied);
    }

    [Fact]
    public void Outside_dotnet_run_nothing_is_added_and_the_host_default_applies()
    {
        Assert.Equal(["drill"], DefaultEnvironment.Apply(["drill"], Variables()));
    }

    [Fact]
    public void The_launch_profile_sets_the_default_and_never_the_environment_itself()
    {
        // A launch profile's variables replace the user's: one that set ASPNETCORE_ENVIRONMENT would turn
        // `ASPNETCORE_ENVIRONMENT=Production dotnet run` into a Development Host.
        string path = Path.Combine(RepositoryRoot(), "src", "CanaryService.Host", "Properties", "launchSettings.json");
        using JsonDocument settings = JsonDocument.Parse(File.ReadAllText(path));
        foreach (JsonProperty profile in settings.RootElement.GetProperty("profiles").EnumerateObject())
        {
            Dictionary<string, string?> variables = profile.Value.TryGetProperty("environmentVariables", out JsonElement set)
                ? set.EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetString())
                : [];
            Assert.DoesNotContain("ASPNETCORE_ENVIRONMENT", variables.Keys);
            Assert.DoesNotContain("DOTNET_ENVIRONMENT", variables.Keys);
            Assert.Equal("Development", variables.GetValueOrDefault(DefaultEnvironment.VariableName));
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "CanaryService.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("CanaryService.sln not found above " + AppContext.BaseDirectory);
    }
}
