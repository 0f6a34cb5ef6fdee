using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.DevStorage;
using CanaryService.Storage;
using CanaryService.Storage.PromptSamples;
using CanaryService.Storage.Traffic;

namespace CanaryService.Benchmarks.Writers;

/// <summary>
/// The proxy's two per-request background writers (traffic features, prompt sample) at a sustained request rate, as
/// deployed (default <see cref="StorageOptions"/>), writing to an in-memory Azurite started here: how many records each
/// refused, how much CPU and garbage collection the process spent per record, and whether storage then holds every
/// accepted record.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project bench/CanaryService.Benchmarks -- writers [requests/s, default 20000] [seconds, default 10] [accounts, default 100] [distinct prompts, default 50000]</c>.
/// One thread records at the given rate (as the proxy's request threads would, without the HTTP work), each request
/// from one of the accounts with one of the distinct prompts (the load test: one account, one prompt). Build an older commit the same way to compare.
/// </remarks>
internal static class WriterLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        int rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        int seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        int accounts = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
        int distinct = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 50_000;

        await using AzuriteEmulator azurite = await AzuriteEmulator.StartAsync();
        TableClient trafficTable = new(azurite.ConnectionString, "LoadTraffic");
        TableClient promptTable = new(azurite.ConnectionString, "LoadPrompts");
        await trafficTable.CreateIfNotExistsAsync();
        await promptTable.CreateIfNotExistsAsync();

        StorageOptions options = new();
        byte[] key = SHA256.HashData("writer-load"u8);
        using var traffic = new TableTrafficLog(trafficTable, options, key);
        using var prompts = new TablePromptSampleLog(promptTable, options, key);
        await traffic.StartAsync(CancellationToken.None);
        await prompts.StartAsync(CancellationToken.None);

        string[] accountIds = [.. Enumerable.Range(0, accounts).Select(i => $"account-{i:D4}")];
        string[] texts = [.. Enumerable.Range(0, distinct).Select(i => $"Question {i}: how does part {i % 97} of the engine work, and why does it fail when it is cold?")];

        var process = Process.GetCurrentProcess();
        Snapshot before = Snapshot.Take(process);
        long total = (long)rate * seconds;
        long trafficAccepted = 0;
        long promptsAccepted = 0;
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < total; i++)
        {
            // Paced: never ahead of the rate; a 1 ms sleep when it is.
            while (i > clock.Elapsed.TotalSeconds * rate)
            {
                Thread.Sleep(1);
            }

            string account = accountIds[i % accounts];
            string prompt = texts[(i * 7919) % texts.Length];
            DateTimeOffset now = DateTimeOffset.UtcNow;
            trafficAccepted += traffic.Record(new TrafficObservation(account, now, prompt, 1, TrafficSurfaces.Streaming, 260, "OpenAI/Python 1.54.0", null, "sk-…load")) ? 1 : 0;
            promptsAccepted += prompts.Record(new PromptSample(account, now, prompt)) ? 1 : 0;
        }

        TimeSpan recording = clock.Elapsed;
        Snapshot recorded = Snapshot.Take(process);

        // Then everything accepted is written: the writers' shutdown drain, as a host stopping would.
        clock.Restart();
        await traffic.StopAsync(CancellationToken.None);
        await prompts.StopAsync(CancellationToken.None);
        TimeSpan draining = clock.Elapsed;
        Snapshot drained = Snapshot.Take(process);

        long requestsStored = (await traffic.QueryAsync(DateTimeOffset.UtcNow.AddDays(-2))).Sum(w => w.Requests);
        long promptRows = 0;
        await foreach (TableEntity _ in promptTable.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            promptRows++;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            requests recorded       {total:N0} at {rate:N0}/s over {accounts} accounts and {distinct:N0} prompts, in {recording.TotalSeconds:F1} s (then {draining.TotalSeconds:F1} s to drain)
            traffic                 accepted {trafficAccepted:N0}, dropped {traffic.DroppedCount:N0}; requests counted in storage {requestsStored:N0}
            prompt sample           accepted {promptsAccepted:N0}, dropped {prompts.DroppedCount:N0}; rows in storage {promptRows:N0} (at most {options.PromptSamplesPerWindow} per account)
            CPU while recording     {(recorded.Cpu - before.Cpu).TotalMilliseconds * 1000 / total:F2} µs per request (the whole process, producer included)
            CPU, recording + drain  {(drained.Cpu - before.Cpu).TotalMilliseconds * 1000 / total:F2} µs per request
            allocated               {(drained.Allocated - before.Allocated) / (double)total:F0} bytes per request
            collections gen0/1/2    {drained.Gen0 - before.Gen0} / {drained.Gen1 - before.Gen1} / {drained.Gen2 - before.Gen2}
            peak working set        {process.PeakWorkingSet64 / (1024.0 * 1024):F0} MB
            """));
        return 0;
    }

    private readonly record struct Snapshot(TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2)
    {
        public static Snapshot Take(Process process)
        {
            process.Refresh();
            return new Snapshot(process.TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        }
    }
}
