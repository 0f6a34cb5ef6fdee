using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CanaryService.Deployment.Tests.Bicep;

/// <summary>
/// The deployment's security and wiring properties, asserted on what infra-bicep would deploy, so that a
/// regression (a shared key turned back on, a secret in an app setting, a role dropped) fails CI.
/// </summary>
[Trait("Category", "Integration")]
[Collection(DeploymentCollection.Name)]
public sealed partial class InfrastructureTemplateTests(DeploymentFixture fixture)
{
    private const string IdentityType = "Microsoft.ManagedIdentity/userAssignedIdentities";
    private const string StorageType = "Microsoft.Storage/storageAccounts";
    private const string SiteType = "Microsoft.Web/sites";

    private static class Roles
    {
        public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
        public const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
        public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
        public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
        public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
        public const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    }

    private DeploymentSnapshot Snapshot => fixture.Snapshot;

    private string IdentityId => DeploymentSnapshot.Id(Snapshot.One(IdentityType));

    private JsonObject RuntimeStorage => Snapshot.One(StorageType, "stfn" + NameToken);

    private JsonObject EvidenceStorage => Snapshot.One(StorageType, "stev" + NameToken);

    /// <summary>The unique token both storage account names end with.</summary>
    private string NameToken
    {
        get
        {
            string name = DeploymentSnapshot.Name(Assert.Single(Snapshot.OfType(StorageType), r => ((string)r["name"]!).StartsWith("stfn", StringComparison.Ordinal)));
            return name["stfn".Length..];
        }
    }

    [Fact]
    public void Both_storage_accounts_refuse_shared_keys_and_public_blobs()
    {
        IReadOnlyList<JsonObject> accounts = Snapshot.OfType(StorageType);
        Assert.Equal(2, accounts.Count);
        foreach (JsonObject account in accounts)
        {
            JsonObject properties = DeploymentSnapshot.Properties(account);
            Assert.False((bool)properties["allowSharedKeyAccess"]!, $"{DeploymentSnapshot.Name(account)} allows shared keys");
            Assert.True((bool)properties["defaultToOAuthAuthentication"]!);
            Assert.False((bool)properties["allowBlobPublicAccess"]!);
            Assert.Equal("TLS1_2", (string)properties["minimumTlsVersion"]!);
        }
    }

    [Fact]
    public void Transcript_container_has_version_level_immutability_with_a_default_retention()
    {
        string evidence = DeploymentSnapshot.Name(EvidenceStorage);

        JsonObject blobService = Snapshot.One("Microsoft.Storage/storageAccounts/blobServices", evidence + "/default");
        Assert.True((bool)DeploymentSnapshot.Properties(blobService)["isVersioningEnabled"]!, "version-level immutability requires versioning");

        JsonObject container = Snapshot.One("Microsoft.Storage/storageAccounts/blobServices/containers", evidence + "/default/probes");
        JsonObject properties = DeploymentSnapshot.Properties(container);
        Assert.True((bool)properties["immutableStorageWithVersioning"]!["enabled"]!);
        Assert.Equal("None", (string)properties["publicAccess"]!);

        JsonObject policy = Snapshot.One(
            "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies", evidence + "/default/probes/default");
        Assert.Equal(DeploymentFixture.EvidenceRetentionDays, (int)DeploymentSnapshot.Properties(policy)["immutabilityPeriodSinceCreationInDays"]!);
        Assert.False((bool)DeploymentSnapshot.Properties(policy)["allowProtectedAppendWrites"]!);
    }

    [Fact]
    public void The_queues_the_functions_read_live_in_the_runtime_account()
    {
        // The queue triggers and their output bindings use AzureWebJobsStorage: the runtime account.
        string runtime = DeploymentSnapshot.Name(RuntimeStorage);
        string[] queues = Snapshot.OfType("Microsoft.Storage/storageAccounts/queueServices/queues")
            .Select(DeploymentSnapshot.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            new[] { CanaryService.Functions.OperationFunctions.QueueName, CanaryService.Functions.ProbeFunctions.QueueName }
                .Order(StringComparer.Ordinal).Select(q => $"{runtime}/default/{q}"),
            queues);
    }

    [Fact]
    public void Evidence_tables_live_in_the_evidence_account()
    {
        string evidence = DeploymentSnapshot.Name(EvidenceStorage);
        string[] tables = Snapshot.OfType("Microsoft.Storage/storageAccounts/tableServices/tables")
            .Select(DeploymentSnapshot.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            new[] { "AccountTraffic", "Campaigns", "CanaryRegistry", "Evidence", "Issuance", "Operations", "ProbeRuns", "PromptSamples", "StoredCanaries" }.Select(t => $"{evidence}/default/{t}"),
            tables);
    }

    [Fact]
    public void The_identity_holds_exactly_the_roles_it_needs_on_the_right_scopes()
    {
        string runtime = DeploymentSnapshot.Id(RuntimeStorage);
        string evidence = DeploymentSnapshot.Id(EvidenceStorage);
        string insights = DeploymentSnapshot.Id(Snapshot.One("Microsoft.Insights/components"));
        string vault = DeploymentSnapshot.Id(Snapshot.One("Microsoft.KeyVault/vaults"));

        var expected = new (string Scope, string Role)[]
        {
            (runtime, Roles.StorageBlobDataOwner),
            (runtime, Roles.StorageQueueDataContributor),
            (runtime, Roles.StorageTableDataContributor),
            (evidence, Roles.StorageBlobDataContributor),
            (evidence, Roles.StorageQueueDataContributor),
            (evidence, Roles.StorageTableDataContributor),
            (insights, Roles.MonitoringMetricsPublisher),
            (vault, Roles.KeyVaultSecretsUser),
        };

        var actual = new List<(string Scope, string Role)>();
        foreach (JsonObject assignment in Snapshot.OfType("Microsoft.Authorization/roleAssignments"))
        {
            JsonObject properties = DeploymentSnapshot.Properties(assignment);
            Assert.Equal("ServicePrincipal", (string)properties["principalType"]!);
            Assert.Equal($"[reference('{IdentityId}', '2024-11-30').principalId]", (string)properties["principalId"]!);

            string roleDefinitionId = (string)properties["roleDefinitionId"]!;
            Assert.StartsWith($"/subscriptions/{DeploymentFixture.SubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/", roleDefinitionId, StringComparison.Ordinal);

            Match scope = ExtensionScope().Match(DeploymentSnapshot.Id(assignment));
            Assert.True(scope.Success, "role assignment id is not scoped to a resource: " + DeploymentSnapshot.Id(assignment));
            actual.Add((scope.Groups["scope"].Value, roleDefinitionId[(roleDefinitionId.LastIndexOf('/') + 1)..]));
        }

        Assert.Equal(expected.Order(), actual.Order());
    }

    [Fact]
    public void Function_app_is_flex_consumption_dotnet_isolated_10_running_as_the_user_assigned_identity()
    {
        JsonObject plan = Snapshot.One("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string)plan["sku"]!["name"]!);
        Assert.Equal("FlexConsumption", (string)plan["sku"]!["tier"]!);

        JsonObject site = Snapshot.One(SiteType);
        Assert.Equal("functionapp,linux", (string)site["kind"]!);
        Assert.Equal("UserAssigned", (string)site["identity"]!["type"]!);
        Assert.Equal([IdentityId], site["identity"]!["userAssignedIdentities"]!.AsObject().Select(p => p.Key));

        JsonObject properties = DeploymentSnapshot.Properties(site);
        Assert.True((bool)properties["httpsOnly"]!);
        Assert.Equal(IdentityId, (string)properties["keyVaultReferenceIdentity"]!);

        JsonObject config = properties["functionAppConfig"]!.AsObject();
        Assert.Equal("dotnet-isolated", (string)config["runtime"]!["name"]!);
        Assert.Equal("10.0", (string)config["runtime"]!["version"]!);

        JsonObject storage = config["deployment"]!["storage"]!.AsObject();
        Assert.Equal("blobContainer", (string)storage["type"]!);
        Assert.Contains(DeploymentSnapshot.Name(RuntimeStorage), (string)storage["value"]!, StringComparison.Ordinal);
        Assert.Equal("UserAssignedIdentity", (string)storage["authentication"]!["type"]!);
        Assert.Equal(IdentityId, (string)storage["authentication"]!["userAssignedIdentityResourceId"]!);

        foreach (string policy in new[] { "/ftp", "/scm" })
        {
            JsonObject credentials = Snapshot.One("Microsoft.Web/sites/basicPublishingCredentialsPolicies", policy);
            Assert.False((bool)DeploymentSnapshot.Properties(credentials)["allow"]!);
        }
    }

    [Fact]
    public void Host_storage_connection_is_identity_based()
    {
        IReadOnlyDictionary<string, string> settings = Snapshot.AppSettings;
        string runtime = DeploymentSnapshot.Name(RuntimeStorage);

        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal(ClientIdOfIdentity, settings["AzureWebJobsStorage__clientId"]);
        foreach (string service in new[] { "blob", "queue", "table" })
        {
            Assert.Contains($"'https://{{0}}.{service}.{{1}}/', '{runtime}'", settings[$"AzureWebJobsStorage__{service}ServiceUri"], StringComparison.Ordinal);
        }

        Assert.Equal(ClientIdOfIdentity, settings["AZURE_CLIENT_ID"]);
        Assert.DoesNotContain(settings, s => s.Value.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Service_storage_settings_point_at_the_evidence_account()
    {
        IReadOnlyDictionary<string, string> settings = Snapshot.AppSettings;
        string evidence = DeploymentSnapshot.Name(EvidenceStorage);
        Assert.Contains($"'https://{{0}}.blob.{{1}}/', '{evidence}'", settings["Storage__BlobServiceUri"], StringComparison.Ordinal);
        Assert.Contains($"'https://{{0}}.queue.{{1}}/', '{evidence}'", settings["Storage__QueueServiceUri"], StringComparison.Ordinal);
        Assert.Contains($"'https://{{0}}.table.{{1}}/', '{evidence}'", settings["Storage__TableServiceUri"], StringComparison.Ordinal);
        Assert.DoesNotContain("Storage__ConnectionString", settings.Keys);
    }

    [Fact]
    public void Key_vault_is_in_rbac_mode_and_holds_every_secret()
    {
        JsonObject vault = Snapshot.One("Microsoft.KeyVault/vaults");
        JsonObject properties = DeploymentSnapshot.Properties(vault);
        Assert.True((bool)properties["enableRbacAuthorization"]!);
        Assert.Null(properties["accessPolicies"]);
        Assert.True((bool)properties["enableSoftDelete"]!);
        Assert.True((bool)properties["enablePurgeProtection"]!);

        string[] secrets = Snapshot.OfType("Microsoft.KeyVault/vaults/secrets")
            .Select(s => DeploymentSnapshot.Name(s)[(DeploymentSnapshot.Name(vault).Length + 1)..]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["canary-master-key", "competitor-0-api-key", "competitor-1-api-key", "lineage-reference-0-api-key", "upstream-api-key"], secrets);
    }

    [Theory]
    [InlineData("Canary__MasterKey", "canary-master-key")]
    [InlineData("Upstream__ApiKey", "upstream-api-key")]
    [InlineData("Probe__Competitors__0__ApiKey", "competitor-0-api-key")]
    [InlineData("Probe__Competitors__1__ApiKey", "competitor-1-api-key")]
    [InlineData("Lineage__References__0__ApiKey", "lineage-reference-0-api-key")]
    public void Secret_settings_are_key_vault_references(string setting, string secretName)
    {
        string vault = DeploymentSnapshot.Name(Snapshot.One("Microsoft.KeyVault/vaults"));
        string value = Snapshot.AppSettings[setting];
        Assert.Contains("'@Microsoft.KeyVault(SecretUri={0}secrets/'", value, StringComparison.Ordinal);
        Assert.Contains($"'https://{{0}}{{1}}/', '{vault}', environment().suffixes.keyvaultDns", value, StringComparison.Ordinal);
        Assert.EndsWith($"'{secretName}')]", value, StringComparison.Ordinal);
    }

    [Fact]
    public void No_secret_value_appears_in_anything_deployed()
    {
        string everything = Snapshot.Json.ToJsonString();
        string[] secrets = [DeploymentFixture.MasterKey, DeploymentFixture.UpstreamApiKey, DeploymentFixture.ReferenceApiKey, .. DeploymentFixture.CompetitorApiKeys.Values];
        foreach (string secret in secrets)
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }

        // Each secret reaches Key Vault only, as a secure parameter (never evaluated into the deployment record).
        foreach (JsonObject secret in Snapshot.OfType("Microsoft.KeyVault/vaults/secrets"))
        {
            Assert.StartsWith("[parameters('secretValues')[", (string)DeploymentSnapshot.Properties(secret)["value"]!, StringComparison.Ordinal);
        }

        JsonObject parameters = fixture.Template["parameters"]!.AsObject();
        Assert.Equal("securestring", (string)parameters["canaryMasterKey"]!["type"]!);
        Assert.Equal("securestring", (string)parameters["upstreamApiKey"]!["type"]!);
        Assert.Equal("secureObject", (string)parameters["competitorApiKeys"]!["type"]!);
        Assert.Equal("secureObject", (string)parameters["lineageReferenceApiKeys"]!["type"]!);
    }

    [Fact]
    public void Application_insights_accepts_only_entra_authenticated_telemetry()
    {
        JsonObject insights = Snapshot.One("Microsoft.Insights/components");
        Assert.True((bool)DeploymentSnapshot.Properties(insights)["DisableLocalAuth"]!);
        Assert.Contains("Microsoft.OperationalInsights/workspaces", (string)DeploymentSnapshot.Properties(insights)["WorkspaceResourceId"]!, StringComparison.Ordinal);

        JsonObject workspace = Snapshot.One("Microsoft.OperationalInsights/workspaces");
        Assert.True((bool)DeploymentSnapshot.Properties(workspace)["features"]!["disableLocalAuth"]!);

        IReadOnlyDictionary<string, string> settings = Snapshot.AppSettings;
        Assert.Equal(
            $"[format('ClientId={{0}};Authorization=AAD', {ClientIdOfIdentity[1..^1]})]",
            settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.Contains(".ConnectionString", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"], StringComparison.Ordinal);
    }

    [Fact]
    public void Every_access_to_the_evidence_and_the_secrets_is_audited_to_log_analytics()
    {
        string workspace = DeploymentSnapshot.Id(Snapshot.One("Microsoft.OperationalInsights/workspaces"));
        string evidence = DeploymentSnapshot.Id(EvidenceStorage);
        string vault = DeploymentSnapshot.Id(Snapshot.One("Microsoft.KeyVault/vaults"));

        string[] audited = Snapshot.OfType("Microsoft.Insights/diagnosticSettings")
            .Where(d => (string?)DeploymentSnapshot.Properties(d)["workspaceId"] == workspace)
            .Where(d => DeploymentSnapshot.Properties(d)["logs"]!.AsArray().Any(l => (bool)l!["enabled"]!))
            .Select(d => DeploymentSnapshot.Id(d)[..DeploymentSnapshot.Id(d).IndexOf("/providers/Microsoft.Insights/", StringComparison.Ordinal)])
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { $"{evidence}/blobServices/default", $"{evidence}/tableServices/default", vault }.Order(StringComparer.Ordinal), audited);
    }

    [Fact]
    public void Parameters_reach_the_app_settings()
    {
        IReadOnlyDictionary<string, string> settings = Snapshot.AppSettings;
        Assert.Equal(DeploymentFixture.UpstreamBaseUrl, settings["Upstream__BaseUrl"]);
        Assert.Equal(DeploymentFixture.ProbeSchedule, settings["Probe__Schedule"]);
        Assert.Equal("rival-a", settings["Probe__Competitors__0__Name"]);
        Assert.Equal("https://rival-a.example/v1", settings["Probe__Competitors__0__BaseUrl"]);
        Assert.Equal("rival-a-large", settings["Probe__Competitors__0__Model"]);
        Assert.Equal("120", settings["Probe__Competitors__0__MaxRequestsPerRun"]);
        Assert.Equal("rival-b", settings["Probe__Competitors__1__Name"]);
        Assert.Equal("30", settings["Probe__Competitors__1__MaxRequestsPerRun"]);
        Assert.DoesNotContain("Probe__Competitors__2__Name", settings.Keys);
        Assert.Equal("house-model", settings["Lineage__OwnModels__0"]);
        Assert.DoesNotContain("Lineage__OwnModels__1", settings.Keys);
        Assert.Equal("family-ref", settings["Lineage__References__0__Name"]);
        Assert.Equal("https://family-ref.example/v1", settings["Lineage__References__0__BaseUrl"]);
        Assert.Equal("family-ref-7b", settings["Lineage__References__0__Model"]);
        Assert.DoesNotContain("Lineage__References__1__Name", settings.Keys);
    }

    [Fact]
    public void Outputs_name_the_endpoints()
    {
        JsonObject outputs = Snapshot.Json["outputs"]!.AsObject();
        string site = DeploymentSnapshot.Id(Snapshot.One(SiteType));
        Assert.Contains(site, (string)outputs["SERVICE_URL"]!, StringComparison.Ordinal);
        Assert.Contains("'{0}/v1'", (string)outputs["OPENAI_BASE_URL"]!, StringComparison.Ordinal);
        Assert.Contains(site, (string)outputs["AZURE_OPENAI_ENDPOINT"]!, StringComparison.Ordinal);
        Assert.Contains("'{0}/api'", (string)outputs["EVIDENCE_API_URL"]!, StringComparison.Ordinal);
        Assert.Equal(DeploymentSnapshot.Name(Snapshot.One(SiteType)), (string)outputs["AZURE_FUNCTION_APP_NAME"]!);
        Assert.Equal(DeploymentSnapshot.Name(EvidenceStorage), (string)outputs["EVIDENCE_STORAGE_ACCOUNT"]!);
    }

    [Fact]
    public void Committed_parameter_file_deploys_with_caller_credentials_forwarded_and_no_competitors()
    {
        DeploymentSnapshot snapshot = fixture.DefaultSnapshot;
        IReadOnlyDictionary<string, string> settings = snapshot.AppSettings;
        Assert.Equal("https://api.openai.com", settings["Upstream__BaseUrl"]);
        Assert.DoesNotContain("Upstream__ApiKey", settings.Keys);
        Assert.DoesNotContain(settings.Keys, k => k.StartsWith("Probe__Competitors__", StringComparison.Ordinal));
        Assert.DoesNotContain(settings.Keys, k => k.StartsWith("Lineage__References__", StringComparison.Ordinal) || k.StartsWith("Lineage__OwnModels__", StringComparison.Ordinal));
        Assert.Equal(["canary-master-key"], snapshot.OfType("Microsoft.KeyVault/vaults/secrets").Select(s => DeploymentSnapshot.Name(s).Split('/')[^1]));
        Assert.DoesNotContain(DeploymentFixture.MasterKey, snapshot.Json.ToJsonString(), StringComparison.Ordinal);
    }

    private string ClientIdOfIdentity => $"[reference('{IdentityId}', '2024-11-30').clientId]";

    [GeneratedRegex(@"^\[extensionResourceId\('(?<scope>[^']+)', 'Microsoft\.Authorization/roleAssignments'")]
    private static partial Regex ExtensionScope();
}
