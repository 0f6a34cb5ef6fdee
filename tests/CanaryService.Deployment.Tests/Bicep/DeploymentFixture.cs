using System.Text.Json.Nodes;

namespace CanaryService.Deployment.Tests.Bicep;

/// <summary>
/// Compiles <c>infra-bicep/main.bicep</c> to ARM JSON once, and asks the Bicep CLI for the deployment snapshot
/// (the resources the deployment would create, with every deploy-time expression evaluated) of a test parameter
/// set with an upstream key, two competitors, an own model and a lineage reference, and of the committed <c>main.bicepparam</c>.
/// </summary>
/// <remarks>
/// The snapshot leaves runtime values (an identity's client id, a host name) as <c>[reference(...)]</c> expressions
/// and never evaluates secure parameters: a secret that reaches a resource shows up as <c>parameters(...)</c>.
/// </remarks>
public sealed class DeploymentFixture : IAsyncLifetime
{
    public const string SubscriptionId = "00000000-0000-0000-0000-00000000c0de";
    public const string TenantId = "00000000-0000-0000-0000-00000000fade";
    public const string ResourceGroup = "rg-canary-test";

    // Fake secrets: the tests assert none of them appears anywhere in what would be deployed.
    public const string MasterKey = "dGVzdC1vbmx5LW1hc3Rlci1rZXktbm90LWEtc2VjcmV0IQ==";
    public const string UpstreamApiKey = "fake-upstream-key-3f9a1c";
    public static readonly IReadOnlyDictionary<string, string> CompetitorApiKeys = new Dictionary<string, string>
    {
        ["rival-a"] = "fake-rival-a-key-77e2",
        ["rival-b"] = "fake-rival-b-key-0b41",
    };

    public const string ReferenceApiKey = "fake-reference-key-5d1e";

    public const int EvidenceRetentionDays = 400;
    public const string ProbeSchedule = "0 30 2 * * *";
    public const string UpstreamBaseUrl = "https://upstream.example/openai";

    private const string TestParameters = """
        using 'main.bicep'

        param environmentName = 'test'
        param location = 'westeurope'
        param upstreamBaseUrl = 'https://upstream.example/openai'
        param useUpstreamApiKey = true
        param upstreamApiKey = 'fake-upstream-key-3f9a1c'
        param canaryMasterKey = 'dGVzdC1vbmx5LW1hc3Rlci1rZXktbm90LWEtc2VjcmV0IQ=='
        param probeSchedule = '0 30 2 * * *'
        param evidenceRetentionDays = 400
        param competitors = [
          { name: 'rival-a', baseUrl: 'https://rival-a.example/v1', model: 'rival-a-large', maxRequestsPerRun: 120 }
          { name: 'rival-b', baseUrl: 'https://rival-b.example/v1', model: 'rival-b-mini', maxRequestsPerRun: 30 }
        ]
        param competitorApiKeys = {
          'rival-a': 'fake-rival-a-key-77e2'
          'rival-b': 'fake-rival-b-key-0b41'
        }
        param lineageOwnModels = [ 'house-model' ]
        param lineageReferences = [
          { name: 'family-ref', baseUrl: 'https://family-ref.example/v1', model: 'family-ref-7b' }
        ]
        param lineageReferenceApiKeys = {
          'family-ref': 'fake-reference-key-5d1e'
        }
        """;

    /// <summary><c>main.bicep</c> compiled to an ARM template.</summary>
    public JsonObject Template { get; private set; } = [];

    /// <summary>Snapshot of the test parameters (upstream key, two competitors).</summary>
    public DeploymentSnapshot Snapshot { get; private set; } = null!;

    /// <summary>Snapshot of the committed <c>main.bicepparam</c> with only the required environment set.</summary>
    public DeploymentSnapshot DefaultSnapshot { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        BicepCli bicep = await BicepCli.InstallAsync();
        string root = BicepCli.RepositoryRoot;

        string template = await bicep.RunAsync(["build", Path.Combine(root, "infra-bicep", "main.bicep"), "--stdout"]);
        Template = JsonNode.Parse(template)!.AsObject();

        // Snapshots are written next to the parameter file: work on a copy so the source tree stays clean.
        string work = Path.Combine(root, ".tools", "deployment-tests", Guid.NewGuid().ToString("N"));
        CopyDirectory(Path.Combine(root, "infra-bicep"), work);
        try
        {
            string testParameters = Path.Combine(work, "test.bicepparam");
            await File.WriteAllTextAsync(testParameters, TestParameters);
            Snapshot = await SnapshotAsync(bicep, testParameters, environment: null);

            DefaultSnapshot = await SnapshotAsync(
                bicep,
                Path.Combine(work, "main.bicepparam"),
                new Dictionary<string, string> { ["CANARY_MASTER_KEY"] = MasterKey, ["AZURE_ENV_NAME"] = "dflt" });
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<DeploymentSnapshot> SnapshotAsync(
        BicepCli bicep, string parameterFile, IReadOnlyDictionary<string, string>? environment)
    {
        await bicep.RunAsync(
            [
                "snapshot", parameterFile, "--mode", "overwrite",
                "--subscription-id", SubscriptionId, "--tenant-id", TenantId,
                "--resource-group", ResourceGroup, "--location", "westeurope",
            ],
            environment);
        string snapshotFile = Path.ChangeExtension(parameterFile, ".snapshot.json");
        return new DeploymentSnapshot(JsonNode.Parse(await File.ReadAllTextAsync(snapshotFile))!.AsObject());
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (string directory in Directory.GetDirectories(source))
        {
            CopyDirectory(directory, Path.Combine(destination, Path.GetFileName(directory)));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DeploymentCollection : ICollectionFixture<DeploymentFixture>
{
    public const string Name = "Deployment";
}
