using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests;

/// <summary>Fresh, uniquely named tables and containers on the shared Azurite, one set per test.</summary>
internal static class StorageClients
{
    public static async Task<TableClient> NewTableAsync(string connectionString, string prefix = "t")
    {
        var table = new TableClient(connectionString, AzuriteFixture.UniqueName(prefix));
        await table.CreateIfNotExistsAsync();
        return table;
    }

    public static async Task<BlobContainerClient> NewContainerAsync(string connectionString, string prefix = "c")
    {
        var container = new BlobContainerClient(connectionString, AzuriteFixture.UniqueName(prefix));
        await container.CreateIfNotExistsAsync();
        return container;
    }

    public static StorageOptions FastOptions(int capacity = 100_000) => new()
    {
        IssuanceQueueCapacity = capacity,
        IssuanceFlushInterval = TimeSpan.FromMilliseconds(20),
        RetryInitialDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(500),
        IssuanceShutdownTimeout = TimeSpan.FromSeconds(10),
    };
}
