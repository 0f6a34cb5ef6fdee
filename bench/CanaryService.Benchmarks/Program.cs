using BenchmarkDotNet.Running;

// Run everything, or pick with --filter, e.g.: dotnet run -c Release --project bench/CanaryService.Benchmarks -- --filter '*Marking*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
