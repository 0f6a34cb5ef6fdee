using System.Text.Json.Nodes;

namespace CanaryService.Deployment.Tests.Bicep;

/// <summary>The resources a deployment would create, as <c>bicep snapshot</c> predicts them.</summary>
public sealed class DeploymentSnapshot(JsonObject snapshot)
{
    public JsonObject Json { get; } = snapshot;

    public IReadOnlyList<JsonObject> Resources { get; } =
        snapshot["predictedResources"]!.AsArray().Select(r => r!.AsObject()).ToList();

    public IReadOnlyList<JsonObject> OfType(string type) =>
        Resources.Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The one resource of a type (fails the test when there is not exactly one).</summary>
    public JsonObject One(string type) => Assert.Single(OfType(type));

    /// <summary>The one resource of a type whose name ends with <paramref name="nameSuffix"/>.</summary>
    public JsonObject One(string type, string nameSuffix) =>
        Assert.Single(OfType(type), r => ((string)r["name"]!).EndsWith(nameSuffix, StringComparison.Ordinal));

    public static string Id(JsonObject resource) => (string)resource["id"]!;

    public static string Name(JsonObject resource) => (string)resource["name"]!;

    public static JsonObject Properties(JsonObject resource) => resource["properties"]!.AsObject();

    /// <summary>The function app's application settings (names as deployed, values as predicted).</summary>
    public IReadOnlyDictionary<string, string> AppSettings =>
        Properties(One("Microsoft.Web/sites/config", "/appsettings"))
            .ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.Ordinal);
}
