using Azure.Data.Tables;
using CanaryService.DevStorage;

namespace CanaryService.Storage.Tests.Emulator;

[Trait("Category", "Integration")]
public sealed class AzuriteEmulatorTests
{
    [Fact]
    public async Task Persistent_emulator_keeps_rows_and_ports_across_a_restart()
    {
        string data = Path.Combine(Path.GetTempPath(), "azurite-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using AzuriteEmulator emulator = await AzuriteEmulator.StartAsync(new AzuriteEmulatorOptions { DataDirectory = data });
            string connection = emulator.ConnectionString;
            var table = new TableClient(connection, "restarts");
            await table.CreateIfNotExistsAsync();
            await table.AddEntityAsync(new TableEntity("p", "r") { ["Value"] = 42 });

            await emulator.RestartAsync();

            Assert.Equal(connection, emulator.ConnectionString);
            TableEntity row = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;
            Assert.Equal(42, row.GetInt32("Value"));
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Stopped_emulator_refuses_connections()
    {
        await using AzuriteEmulator emulator = await AzuriteEmulator.StartAsync();
        var table = new TableClient(emulator.ConnectionString, "stopped", new TableClientOptions { Retry = { MaxRetries = 0 } });
        await table.CreateIfNotExistsAsync();
        await emulator.KillAsync();

        Assert.False(emulator.IsRunning);
        await Assert.ThrowsAnyAsync<Exception>(() => table.AddEntityAsync(new TableEntity("p", "r")));
    }
}
