using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using BenchmarkDotNet.Attributes;

namespace CanaryService.Benchmarks.Interleaved;

/// <summary>
/// Compares two builds of these benchmarks in one process, alternating short batches of each, so the noise of a
/// shared machine (which moved BenchmarkDotNet means by 20-40% between runs here) falls on both alike. Each build is
/// loaded from its output folder into its own load context with its own copy of the service's assemblies.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project bench/CanaryService.Benchmarks -- interleaved &lt;folder A&gt; &lt;folder B&gt; &lt;class&gt; &lt;method,method&gt; [batches]</c>,
/// e.g. folder A from a worktree of the older commit built in Release. Prints, per method, the minimum, 10th
/// percentile and median of the per-call time of each build, and B/A at the 10th percentile. <c>EVICT_KB=8192</c>
/// measures each call with cold caches (see <see cref="EvictCaches"/>). <c>PREPARE_B=&lt;method&gt;</c> makes side B call that
/// method of the class untimed after the eviction, e.g. <c>WarmMarkerData</c> with A and B the same folder: how much of the
/// cold cost is the part that method warms (see <see cref="ReachableMemory"/>).
/// </remarks>
internal static class InterleavedComparison
{
    private const int CallsPerBatch = 50;

    private static readonly string? PrepareB = Environment.GetEnvironmentVariable("PREPARE_B");

    private static readonly int[] EvictionBuffer =
        new int[int.Parse(Environment.GetEnvironmentVariable("EVICT_KB") ?? "0", CultureInfo.InvariantCulture) * 256];

    public static int Run(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: interleaved <folder A> <folder B> <benchmark class> <method[,method...]> [batches, default 400]");
            return 2;
        }

        string[] methods = args[3].Split(',', StringSplitOptions.RemoveEmptyEntries);
        int batches = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 400;
        Dictionary<string, Action>[] builds = [Load(args[0], args[2], methods), Load(args[1], args[2], PrepareB is null ? methods : [.. methods, PrepareB])];
        Action prepareB = PrepareB is null ? () => { } : builds[1][PrepareB];
        foreach (string method in methods)
        {
            Action[] calls = [builds[0][method], builds[1][method]];
            foreach (Action call in calls)
            {
                // Long enough for the tiered JIT to reach its optimised code.
                var warm = Stopwatch.StartNew();
                while (warm.ElapsedMilliseconds < 2_000)
                {
                    call();
                }
            }

            var times = new[] { new List<double>(batches), new List<double>(batches) };
            for (int batch = 0; batch < batches; batch++)
            {
                for (int i = 0; i < 2; i++)
                {
                    int side = batch % 2 == 0 ? i : 1 - i;
                    long elapsed = 0;
                    for (int k = 0; k < CallsPerBatch; k++)
                    {
                        EvictCaches();
                        if (side == 1)
                        {
                            prepareB();
                        }

                        long start = Stopwatch.GetTimestamp();
                        calls[side]();
                        elapsed += Stopwatch.GetTimestamp() - start;
                    }

                    times[side].Add(elapsed * 1e6 / Stopwatch.Frequency / CallsPerBatch);
                }
            }

            times[0].Sort();
            times[1].Sort();
            double ratio = Percentile(times[1], 10) / Percentile(times[0], 10);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{method,-24} A: {Describe(times[0])}   B: {Describe(times[1])}   B/A at p10 {ratio:F3}"));
        }

        return 0;
    }

    private static Dictionary<string, Action> Load(string folder, string className, string[] methods)
    {
        var context = new FolderLoadContext(Path.GetFullPath(folder));
        Assembly assembly = context.LoadFromAssemblyPath(Path.Combine(context.Folder, "CanaryService.Benchmarks.dll"));
        Type type = assembly.GetTypes().Single(t => t.Name == className);
        object instance = Activator.CreateInstance(type)!;
        type.GetMethods().Single(m => m.GetCustomAttributes().Any(a => a.GetType().FullName == typeof(GlobalSetupAttribute).FullName))
            .Invoke(instance, null);
        return methods.ToDictionary(m => m, m =>
        {
            MethodInfo method = type.GetMethod(m) ?? throw new ArgumentException($"{className} has no method {m}.");
            return (Action)(() => method.Invoke(instance, null));
        });
    }

    /// <summary>
    /// With <c>EVICT_KB</c> set, writes that much memory (one int per 64-byte line) before each call, untimed: in the
    /// proxy each answer meets caches that the network stack and the other requests have just filled, and this
    /// measures the code that way (8 MB took the rewriters from 23 to 47-65 µs per stream).
    /// </summary>
    private static void EvictCaches()
    {
        for (int i = 0; i < EvictionBuffer.Length; i += 16)
        {
            EvictionBuffer[i]++;
        }
    }

    private static double Percentile(List<double> sorted, int percent) => sorted[sorted.Count * percent / 100];

    private static string Describe(List<double> sorted) => string.Create(CultureInfo.InvariantCulture,
        $"min {sorted[0],7:F2} us  p10 {Percentile(sorted, 10),7:F2}  median {Percentile(sorted, 50),7:F2}");

    /// <summary>Loads a build's own assemblies from its folder; the shared framework comes from the default context.</summary>
    private sealed class FolderLoadContext(string folder) : AssemblyLoadContext(isCollectible: false)
    {
        private static readonly string[] FrameworkFolders =
        [
            Path.GetDirectoryName(typeof(object).Assembly.Location)!,
            Path.GetDirectoryName(typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location)!,
        ];

        public string Folder { get; } = folder;

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string file = assemblyName.Name + ".dll";
            if (FrameworkFolders.Any(f => File.Exists(Path.Combine(f, file))))
            {
                return null;
            }

            string path = Path.Combine(Folder, file);
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
