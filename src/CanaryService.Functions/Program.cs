using Azure.Identity;
using CanaryService.Api;
using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The Functions shell: the same services as the Host (AddCanaryService); the triggers are in *Functions.cs.
FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights()
    // Application Insights has local auth disabled: the worker's telemetry authenticates as the app's identity
    // (DefaultAzureCredential picks the user-assigned identity from AZURE_CLIENT_ID).
    .Configure<TelemetryConfiguration>(telemetry => telemetry.SetAzureTokenCredential(new DefaultAzureCredential()));

builder.Services.AddCanaryService(builder.Configuration);

using IHost host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
