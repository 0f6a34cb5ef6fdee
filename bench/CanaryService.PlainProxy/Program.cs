using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

// The baseline for docs/benchmarks.md ("The proxy load test"): the same forwarder, HTTP client settings and request
// path as the marking proxy, minus reading the request, marking and issuance. Every path goes to Upstream:BaseUrl.
WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddHttpForwarder();
WebApplication app = builder.Build();

string destination = app.Configuration["Upstream:BaseUrl"]?.TrimEnd('/')
    ?? throw new InvalidOperationException("Set Upstream:BaseUrl (e.g. --Upstream:BaseUrl=http://127.0.0.1:5001).");
using var client = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    EnableMultipleHttp2Connections = true,
    ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
    ConnectTimeout = TimeSpan.FromSeconds(15),
});
var requestConfig = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(5) };
IHttpForwarder forwarder = app.Services.GetRequiredService<IHttpForwarder>();

app.Map("/{**path}", async context =>
{
    ForwarderError error = await forwarder.SendAsync(context, destination, client, requestConfig, HttpTransformer.Default);
    if (error != ForwarderError.None && !context.Response.HasStarted)
    {
        context.Response.StatusCode = StatusCodes.Status502BadGateway;
    }
});

await app.RunAsync();
