using System.Diagnostics;
using System.Globalization;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Tests.Campaigns;

namespace CanaryService.Benchmarks.Campaigns;

/// <summary>
/// The extraction monitor at scale, on the tests' simulated traffic: <c>campaigns [benign accounts] [volume] [seed]</c>.
/// Reports the reduction of requests into account windows (what the traffic writer does off the request path) per
/// 100,000 requests, the monitor's scoring and linking time, the memory the windows hold, and the flag rates.
/// </summary>
public static class CampaignScaleReport
{
    private const int Chunk = 100_000;

    public static int Run(string[] args)
    {
        int benign = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        double volume = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        int seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        var start = new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
        var simulation = new CampaignTrafficSimulation(seed, start);
        var shape = new PromptShape(new byte[32]);
        Dictionary<string, AccountTrafficWindow> windows = new(StringComparer.Ordinal);

        long before = GC.GetTotalMemory(forceFullCollection: true);
        long requests = 0;
        long allocated = 0;
        var reduce = new Stopwatch();
        List<TrafficObservation> chunk = new(Chunk);
        foreach (TrafficObservation observation in simulation.Generate(benign, 30, volume))
        {
            chunk.Add(observation);
            if (chunk.Count == Chunk)
            {
                (requests, allocated) = Apply(chunk, windows, shape, reduce, requests, allocated);
            }
        }

        (requests, allocated) = Apply(chunk, windows, shape, reduce, requests, allocated);
        long held = GC.GetTotalMemory(forceFullCollection: true) - before;

        // The first run includes JIT (as a timer's first run in a fresh instance would); the second is the steady state.
        var cold = Stopwatch.StartNew();
        _ = new ExtractionMonitor(new CampaignOptions()).Assess([.. windows.Values], start.AddDays(7));
        cold.Stop();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var assess = Stopwatch.StartNew();
        MonitorOutcome outcome = new ExtractionMonitor(new CampaignOptions()).Assess([.. windows.Values], start.AddDays(7));
        assess.Stop();
        long assessAllocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        HashSet<string> flagged = [.. outcome.Flagged.Select(a => a.Account)];
        int campaignFlagged = simulation.CampaignAccounts.Count(flagged.Contains);
        int benignFlagged = simulation.BenignAccounts.Count(flagged.Contains);
        AccountCluster? campaignCluster = outcome.Clusters.FirstOrDefault(c => c.Accounts.Intersect(simulation.CampaignAccounts).Any());
        int clustersWithCampaign = outcome.Clusters.Count(c => c.Accounts.Intersect(simulation.CampaignAccounts).Any());

        CultureInfo c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"accounts: {benign} benign + 30 campaign; volume x{volume}; requests {requests:N0}"));
        Console.WriteLine(string.Create(c, $"reduce (prompt -> hashes -> window): {reduce.Elapsed.TotalSeconds:F2} s in all, {reduce.Elapsed.TotalMilliseconds * Chunk / Math.Max(1, requests):F0} ms and {allocated * (double)Chunk / Math.Max(1, requests) / 1048576:F1} MiB allocated per 100,000 requests"));
        Console.WriteLine(string.Create(c, $"windows held: {held / 1048576.0:F1} MiB for {windows.Count:N0} accounts ({held / (double)Math.Max(1, windows.Count):F0} bytes each)"));
        Console.WriteLine(string.Create(c, $"monitor (score + link): {assess.Elapsed.TotalMilliseconds:F0} ms warm ({cold.Elapsed.TotalMilliseconds:F0} ms first run), {assessAllocated / 1048576.0:F1} MiB allocated; {assess.Elapsed.TotalMilliseconds * Chunk / Math.Max(1, requests):F1} ms per 100,000 requests"));
        Console.WriteLine(string.Create(c, $"campaign flagged: {campaignFlagged} / 30 ({campaignFlagged / 30.0:P1}); benign flagged: {benignFlagged} / {benign} ({benignFlagged / (double)Math.Max(1, benign):P2})"));
        Console.WriteLine(string.Create(c, $"clusters holding campaign accounts: {clustersWithCampaign}; campaign cluster: {campaignCluster?.Accounts.Count ?? 0} accounts, {campaignCluster?.Accounts.Count(a => !simulation.CampaignAccounts.Contains(a)) ?? 0} benign, flagged {campaignCluster?.Flagged}"));
        Console.WriteLine(string.Create(c, $"clusters in all: {outcome.Clusters.Count} ({outcome.Clusters.Count(x => x.Flagged)} flagged)"));
        Console.WriteLine(string.Create(c, $"request path (TableTrafficLog.Record: build the record, enqueue): {RecordCost():F0} ns per request"));
        return 0;
    }

    /// <summary>What the proxy adds per request: one observation record and a channel write (the writer is not started, so nothing drains).</summary>
    private static double RecordCost()
    {
        const int Count = 1_000_000;
        var table = new Azure.Data.Tables.TableClient("UseDevelopmentStorage=true", "unused");
        using var log = new CanaryService.Storage.Traffic.TableTrafficLog(table, new CanaryService.Storage.StorageOptions { TrafficQueueCapacity = 2 * Count }, new byte[32]);
        var at = DateTimeOffset.UtcNow;
        for (int i = 0; i < 10_000; i++)
        {
            log.Record(new TrafficObservation("key-warm", at, "warm up", 1, TrafficSurfaces.None, 10, "agent", null, null));
        }

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Count; i++)
        {
            log.Record(new TrafficObservation("key-0123456789abcdef0123456789abcdef", at, "How do I plan my garden?", 3, TrafficSurfaces.Streaming, 250, "OpenAI/Python 1.54.0", "203.0.113.7", "sk-…abcd"));
        }

        return clock.Elapsed.TotalMilliseconds * 1e6 / Count;
    }

    private static (long Requests, long Allocated) Apply(
        List<TrafficObservation> chunk, Dictionary<string, AccountTrafficWindow> windows, PromptShape shape, Stopwatch clock, long requests, long allocated)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        clock.Start();
        foreach (TrafficObservation observation in chunk)
        {
            if (!windows.TryGetValue(observation.AccountId, out AccountTrafficWindow? window))
            {
                windows[observation.AccountId] = window = new AccountTrafficWindow(observation.AccountId);
            }

            window.Add(observation, shape.Reduce(observation.Prompt));
        }

        clock.Stop();
        long total = requests + chunk.Count;
        long bytes = allocated + GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        chunk.Clear();
        return (total, bytes);
    }
}
