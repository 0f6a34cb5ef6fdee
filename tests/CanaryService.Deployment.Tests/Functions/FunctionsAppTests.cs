using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CanaryService.Deployment.Tests.Bicep;

namespace CanaryService.Deployment.Tests.Functions;

/// <summary>
/// The Functions app cannot be built on this project's machines (its worker packages are missing from the feed), so
/// what can be checked without building it is checked here: host.json, the solution wiring, the package pins, and
/// that azd finds the app the Bicep deploys.
/// </summary>
[Trait("Category", "Integration")]
[Collection(DeploymentCollection.Name)]
public sealed partial class FunctionsAppTests(DeploymentFixture fixture)
{
    private static readonly string Root = BicepCli.RepositoryRoot;
    private static readonly string ProjectDirectory = Path.Combine(Root, "src", "CanaryService.Functions");

    [Fact]
    public void Host_json_serves_openai_paths_at_the_root_and_bounds_the_work()
    {
        JsonObject host = JsonNode.Parse(File.ReadAllText(Path.Combine(ProjectDirectory, "host.json")))!.AsObject();
        Assert.Equal("2.0", (string)host["version"]!);
        Assert.Equal("", (string)host["extensions"]!["http"]!["routePrefix"]!);

        TimeSpan timeout = TimeSpan.Parse((string)host["functionTimeout"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(timeout, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1));

        JsonObject queues = host["extensions"]!["queues"]!.AsObject();
        Assert.Equal(1, (int)queues["batchSize"]!);            // one competitor's probe per instance at a time
        Assert.InRange((int)queues["maxDequeueCount"]!, 2, 5); // a failing run is retried, then poisoned
    }

    [Fact]
    public void Functions_project_is_in_the_solution_and_its_default_build()
    {
        // The feed now serves every Functions worker package, so the app is compiled (and its triggers checked
        // below) by every build and CI run instead of only where nuget.org is reachable.
        string solution = File.ReadAllText(Path.Combine(Root, "CanaryService.sln"));
        Match project = FunctionsProject().Match(solution);
        Assert.True(project.Success, "CanaryService.Functions is not in CanaryService.sln");
        string guid = project.Groups["guid"].Value;
        Assert.Contains($"{guid}.Debug|Any CPU.Build.0", solution, StringComparison.Ordinal);
        Assert.Contains($"{guid}.Release|Any CPU.Build.0", solution, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_package_of_the_functions_project_is_pinned_centrally()
    {
        XDocument project = XDocument.Load(Path.Combine(ProjectDirectory, "CanaryService.Functions.csproj"));
        XDocument pins = XDocument.Load(Path.Combine(Root, "Directory.Packages.props"));
        var pinned = pins.Descendants("PackageVersion").ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);

        string[] references = project.Descendants("PackageReference").Select(p => (string)p.Attribute("Include")!).ToArray();
        Assert.Contains("Microsoft.Azure.Functions.Worker.Sdk", references);
        Assert.Contains("Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore", references);
        foreach (XElement reference in project.Descendants("PackageReference"))
        {
            Assert.Null(reference.Attribute("Version"));
            Assert.True(pinned.ContainsKey((string)reference.Attribute("Include")!), $"{reference.Attribute("Include")} has no PackageVersion");
        }
    }

    [Fact]
    public void Azd_service_is_the_function_app_the_bicep_tags()
    {
        string azure = File.ReadAllText(Path.Combine(Root, "azure.yaml"));
        Match service = AzdService().Match(azure);
        Assert.True(service.Success, "azure.yaml has no function service");
        Assert.Equal("./src/CanaryService.Functions", service.Groups["project"].Value);
        Assert.True(File.Exists(Path.Combine(ProjectDirectory, "CanaryService.Functions.csproj")));

        JsonObject site = fixture.Snapshot.One("Microsoft.Web/sites");
        Assert.Equal(service.Groups["name"].Value, (string)site["tags"]!["azd-service-name"]!);
        Assert.Matches(@"^infra-bicep\s*$", Regex.Match(azure, @"path:\s*(\S+)").Groups[1].Value);
    }

    [GeneratedRegex(@"""CanaryService\.Functions"", ""src\\CanaryService\.Functions\\CanaryService\.Functions\.csproj"", ""(?<guid>\{[0-9A-F-]+\})""")]
    private static partial Regex FunctionsProject();

    [GeneratedRegex(@"services:\s*\n\s+(?<name>[\w-]+):\s*\n\s+project:\s*(?<project>\S+)\s*\n\s+language:\s*dotnet\s*\n\s+host:\s*function")]
    private static partial Regex AzdService();
}
