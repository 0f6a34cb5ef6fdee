using CanaryService.Api;
using CanaryService.Api.Proxy;
using CanaryService.Core.Keys;

// The drill command dispatches here: `dotnet run --project src/CanaryService.Host -- drill`.

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Services.AddCanaryService(builder.Configuration);
// The probe scheduler registers here.

WebApplication app;
try
{
    app = builder.Build();
    app.MapGet("/healthz", () => Results.Text("ok"));
    // The evidence API maps here (before the proxy's catch-all, which has the lowest precedence anyway).
    app.MapCanaryProxy();
}
catch (CanaryConfigurationException exception)
{
    // A configuration mistake is reported in one clear line, never as a stack trace.
    await Console.Error.WriteLineAsync("Canary Service cannot start: " + exception.Message);
    return 1;
}

await app.RunAsync();
return 0;
