using CanaryService.Core.Keys;
using CanaryService.Host.Hosting;

// `dotnet run --project src/CanaryService.Host` serves the proxy, the evidence API and the probe scheduler;
// `... -- drill` runs the offline end-to-end drill instead (see Drill/DrillCommand.cs), and `... -- lineage` the
// lineage fingerprint of a folder of model outputs (Lineage/LineageCommand.cs).
if (args.Length > 0 && args[0] == "drill")
{
    return await CanaryService.Host.Drill.DrillCommand.RunAsync(args[1..]);
}

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
