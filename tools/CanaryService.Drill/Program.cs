using CanaryService.Drill;

// `dotnet run --project tools/CanaryService.Drill` runs the offline end-to-end drill on its embedded defaults;
// `-- --help` lists its options (DrillOptions).
return await DrillCommand.RunAsync(args);
