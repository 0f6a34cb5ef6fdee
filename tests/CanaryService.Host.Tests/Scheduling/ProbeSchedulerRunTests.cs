using CanaryService.Core.Probing;
using CanaryService.Storage.Setup;
using CanaryService.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CanaryService.Host.Tests.Scheduling;

[CollectionDefinition(Name)]
public sealed class SchedulerStorageCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Scheduler storage";
}

[Trait("Category", "Integration")]
[Collection(SchedulerStorageCollection.Name)]
public sealed class ProbeSchedulerRunTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_scheduler_starts_runs_on_its_schedule_and_they_are_recorded()
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(AzuriteFixture.IsolatedStorageSettings(azurite.ConnectionString));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Probe:Schedule"] = "* * * * * *",
            // Port 9 (discard) refuses connections on loopback: each run is a recorded failure, which is what we observe.
            ["Probe:Competitors:0:Name"] = "unreachable",
            ["Probe:Competitors:0:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["Probe:Competitors:0:Model"] = "m",
            ["Probe:Competitors:0:ApiKey"] = "sk-test",
            ["Probe:Competitors:0:MaxRequestsPerRun"] = "1",
            ["Probe:Competitors:0:MaxRetries"] = "0",
        });
        builder.Services.AddCanaryStorage(builder.Configuration);
        builder.Services.AddCanaryProbing(builder.Configuration);
        builder.Services.AddSingleton(new CanaryService.Core.Keys.CanaryKeyRing(CanaryService.Core.Keys.MasterKey.FromBase64(Convert.ToBase64String(new byte[32]))));
        builder.Services.AddCanaryProbeScheduler();
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            // The tables are created in the background; reading the run log before they exist fails (TableNotFound),
            // which a busy machine (the drill's end-to-end test runs beside this one) made happen.
            await host.Services.GetRequiredService<StorageInitializer>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
            IProbeRunLog runs = host.Services.GetRequiredService<IProbeRunLog>();
            List<ProbeRunRecord> recorded = [];
            using CancellationTokenSource deadline = new(TimeSpan.FromSeconds(30));
            while (recorded.Count < 2 && !deadline.IsCancellationRequested)
            {
                await Task.Delay(250);
                recorded = await runs.ListAsync("unreachable").ToListAsync();
            }

            Assert.True(recorded.Count >= 2, $"The scheduler recorded {recorded.Count} run(s) in 30 s on an every-second schedule.");
            Assert.All(recorded, r => Assert.Equal(ProbeRunStatus.Failed, r.Status));
            Assert.All(recorded, r => Assert.Equal(1, r.Requests));
            Assert.Equal(recorded.Count, recorded.Select(r => r.RunId).Distinct().Count());
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
