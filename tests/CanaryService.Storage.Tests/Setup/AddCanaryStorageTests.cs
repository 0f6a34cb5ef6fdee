using Azure.Data.Tables;
using CanaryService.Core.Keys;
using CanaryService.Core.Evidence;
using CanaryService.Core.Issuance;
using CanaryService.Core.Operations;
using CanaryService.Core.Probing;
using CanaryService.DevStorage;
using CanaryService.Storage.Evidence;
using CanaryService.Storage.Setup;
using CanaryService.Storage.Issuance;
using CanaryService.Storage.Operations;
using CanaryService.Storage.ProbeRuns;
using CanaryService.Storage.Registry;
using CanaryService.Storage.Transcripts;
using CanaryService.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CanaryService.Storage.Tests.Setup;

public sealed class AddCanaryStorageTests
{
    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddCanaryStorage(builder.Configuration);
        return builder.Build();
    }

    private static Dictionary<string, string?> Settings(string connectionString, string suffix) => new()
    {
        ["Storage:ConnectionString"] = connectionString,
        ["Storage:RegistryTable"] = "Registry" + suffix,
        ["Storage:IssuanceTable"] = "Issuance" + suffix,
        ["Storage:ProbeRunsTable"] = "ProbeRuns" + suffix,
        ["Storage:EvidenceTable"] = "Evidence" + suffix,
        ["Storage:TranscriptContainer"] = "probes" + suffix,
        ["Storage:IssuanceFlushInterval"] = "00:00:00.020",
        ["Storage:RetryInitialDelay"] = "00:00:00.050",
        ["Storage:RetryMaxDelay"] = "00:00:00.500",
    };

    [Trait("Category", "Integration")]
    [Collection(AzuriteCollection.Name)]
    public sealed class WithStorage(AzuriteFixture azurite)
    {
        [Fact]
        public async Task Registers_every_port_as_a_singleton_and_creates_tables_and_container()
        {
            string suffix = AzuriteFixture.UniqueName("x");
            using IHost host = BuildHost(Settings(azurite.ConnectionString, suffix));
            await host.StartAsync();

            IServiceProvider services = host.Services;
            Assert.IsType<TableCanaryRegistry>(services.GetRequiredService<ICanaryRegistry>());
            Assert.IsType<TableIssuanceLog>(services.GetRequiredService<IIssuanceLog>());
            Assert.IsType<TableProbeRunLog>(services.GetRequiredService<IProbeRunLog>());
            Assert.IsType<TableOperationStore>(services.GetRequiredService<IOperationStore>());
            Assert.IsType<TableEvidenceLedger>(services.GetRequiredService<IEvidenceLedger>());
            Assert.IsType<BlobTranscriptStore>(services.GetRequiredService<ITranscriptStore>());
            Assert.Same(services.GetRequiredService<IIssuanceLog>(), services.GetRequiredService<IIssuanceLog>());
            Assert.Contains(services.GetServices<IHostedService>(), s => ReferenceEquals(s, services.GetRequiredService<TableIssuanceLog>()));

            await services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
            var tableService = services.GetRequiredService<TableServiceClient>();
            List<string> tables = [.. (await tableService.QueryAsync().ToListAsync()).Select(t => t.Name).Where(n => n.EndsWith(suffix, StringComparison.Ordinal))];
            Assert.Equal(4, tables.Count);
            Assert.True(await services.GetRequiredService<Azure.Storage.Blobs.BlobServiceClient>().GetBlobContainerClient("probes" + suffix).ExistsAsync());

            IIssuanceLog issuance = services.GetRequiredService<IIssuanceLog>();
            Assert.True(issuance.Record(new IssuanceEvent("acct", DateTimeOffset.UtcNow, 1, null, null)));
            await issuance.FlushAsync();
            DateOnly today = DateOnly.FromDateTime(DateTime.UtcNow);
            Assert.Equal(1, Assert.Single(await issuance.QueryAsync(today.AddDays(-1), today.AddDays(1))).MarkedResponses);
            await host.StopAsync();
        }
    }

    [Trait("Category", "Integration")]
    [Fact]
    public async Task The_host_starts_and_records_while_storage_is_down_and_catches_up_when_it_returns()
    {
        await using AzuriteEmulator emulator = await AzuriteEmulator.StartAsync();
        string connectionString = emulator.ConnectionString;
        await emulator.KillAsync();

        string suffix = AzuriteFixture.UniqueName("x");
        using IHost host = BuildHost(Settings(connectionString, suffix));
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30)); // start-up does not wait for storage
        IIssuanceLog issuance = host.Services.GetRequiredService<IIssuanceLog>();
        var initializer = host.Services.GetRequiredService<StorageInitializer>();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        for (int i = 0; i < 50; i++)
        {
            Assert.True(issuance.Record(new IssuanceEvent("acct", now, 1, "2026-11", "topic")));
        }

        Assert.False(initializer.Ready.IsCompleted);

        await emulator.RestartAsync();
        await initializer.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        await issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        DateOnly today = DateOnly.FromDateTime(now.UtcDateTime);
        AccountIssuance account = Assert.Single(await issuance.QueryAsync(today, today));
        Assert.Equal(50, account.MarkedResponses);
        Assert.Equal(50, account.CanaryTopics[("2026-11", "topic")]);
        await host.StopAsync();
    }

    [Fact]
    public void Missing_storage_settings_are_a_clear_configuration_error()
    {
        using IHost host = BuildHost([]);
        var error = Assert.Throws<CanaryConfigurationException>(() => host.Services.GetRequiredService<ICanaryRegistry>());
        Assert.Contains("Storage:ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("TableServiceUri", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Service_uris_select_an_identity_and_settings_bind_by_their_documented_names()
    {
        using IHost host = BuildHost(new()
        {
            ["Storage:TableServiceUri"] = "https://acct.table.core.windows.net",
            ["Storage:BlobServiceUri"] = "https://acct.blob.core.windows.net",
            ["Storage:ManagedIdentityClientId"] = "00000000-0000-0000-0000-000000000001",
            ["Storage:IssuanceQueueCapacity"] = "1234",
        });

        StorageOptions options = host.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        Assert.Equal(1234, options.IssuanceQueueCapacity);
        var tables = host.Services.GetRequiredService<TableServiceClient>();
        Assert.Equal("acct", tables.AccountName);
        Assert.IsType<Azure.Identity.DefaultAzureCredential>(host.Services.GetRequiredService<Azure.Core.TokenCredential>());
        Assert.IsType<TableCanaryRegistry>(host.Services.GetRequiredService<ICanaryRegistry>());
    }
}
