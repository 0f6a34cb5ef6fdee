using CanaryService.Core.Keys;
using CanaryService.Host.Hosting;

// `dotnet run --project src/CanaryService.Host` serves the proxy, the evidence API and the probe scheduler;
// `... -- lineage` computes the lineage fingerprint of a folder of model outputs instead (Lineage/LineageCommand.cs).
// The offline drill is its own project: `dotnet run --project tools/CanaryService.Drill`.
if (args.Length > 0 && args[0] == "lineage")
{
    return await CanaryService.Host.Lineage.LineageCommand.RunAsync(args[1..]);
}

WebApplication app;
try
{
    // `dotnet run` defaults to Development through its launch profile; an environment the user sets wins.
    app = await CanaryWebApplication.BuildAsync(DefaultEnvironment.Apply(args, Environment.GetEnvironmentVariable));
}
catch (CanaryConfigurationException exception)
{
    // A configuration mistake is reported in one clear line, never as a stack trace.
    await Console.Error.WriteLineAsync("Canary Service cannot start: " + exception.Message);
    return 1;
}

await using (app)
{
    await app.RunAsync();
}

return 0;
