using Azure.Identity;
using CanaryService.Application;
using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The Functions shell: the same services as the Host (AddCanaryService); the triggers are in *Functions.cs.
FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights()
    // Application Insights has local auth disabled: the worker's telemetry authenticates as the app's identity
    // (DefaultAzureCredential picks the user-assigned identity from AZURE_CLIENT_ID).
    .Configure<TelemetryConfiguration>(telemetry => telemetry.SetAzureTokenCredential(new DefaultAzureCredential()));

// YARP writes two Information lines per proxied request: at API scale the largest log volume and the Application
// Insights bill. The proxy's own counter (canary.proxy.requests) counts requests instead.
builder.Logging.AddFilter("Yarp", LogLevel.Warning);

builder.Services.AddCanaryService(builder.Configuration);

using IHost host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
