using System.Diagnostics.Metrics;
using System.Text.Json;
using CanaryService.Application.Configuration;
using CanaryService.Application.Probing;
using CanaryService.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CanaryService.Application.Tests.Probing;

[Trait("Category", "Integration")]
public sealed class VerdictAlertsTests
{
    private static readonly VerdictChange Change = new("rival", "run-1", "lexical", "global", "not-detected", "distilled", 2e7, 1e-9, "key-leaker", DateTimeOffset.UtcNow);

    private static ServiceProvider Services(Uri? webhook)
    {
        Dictionary<string, string?> settings = [];
        if (webhook is not null)
        {
            settings["Probe:WebhookUrl"] = webhook.ToString();
        }

        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddCanaryProbing(configuration).BuildServiceProvider();
    }

    [Fact]
    public async Task A_verdict_change_is_counted_and_posted_to_the_webhook_as_JSON()
    {
        List<string> bodies = [];
        await using LoopbackHost receiver = await StartReceiverAsync(async context =>
        {
            using StreamReader reader = new(context.Request.Body);
            lock (bodies)
            {
                bodies.Add(reader.ReadToEndAsync().GetAwaiter().GetResult());
            }

            context.Response.StatusCode = 204;
            await Task.CompletedTask;
        });
        await using ServiceProvider services = Services(Address(receiver));
        using ChangeCounter counter = new(services.GetRequiredService<IMeterFactory>());

        await services.GetRequiredService<VerdictAlerts>().RaiseAsync([Change]);

        string body = Assert.Single(bodies);
        using JsonDocument json = JsonDocument.Parse(body);
        Assert.Equal("canary.verdict_changed", json.RootElement.GetProperty("type").GetString());
        JsonElement change = Assert.Single(json.RootElement.GetProperty("changes").EnumerateArray());
        Assert.Equal("rival", change.GetProperty("competitor").GetString());
        Assert.Equal("distilled", change.GetProperty("current").GetString());
        Assert.Equal("key-leaker", change.GetProperty("attributedAccount").GetString());
        Assert.Equal([1L], counter.Measurements);
    }

    [Fact]
    public async Task A_failing_or_unreachable_webhook_is_never_fatal()
    {
        await using LoopbackHost receiver = await StartReceiverAsync(context =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        await using ServiceProvider failing = Services(Address(receiver));
        await failing.GetRequiredService<VerdictAlerts>().RaiseAsync([Change]);

        // A port nobody listens on: the connection is refused.
        Uri closed = Address(receiver);
        await receiver.StopAsync();
        await using ServiceProvider unreachable = Services(closed);
        using ChangeCounter counter = new(unreachable.GetRequiredService<IMeterFactory>());
        await unreachable.GetRequiredService<VerdictAlerts>().RaiseAsync([Change]);

        Assert.Equal([1L], counter.Measurements);
    }

    private static Task<LoopbackHost> StartReceiverAsync(RequestDelegate handler) =>
        LoopbackHost.StartAsync(static _ => { }, app => app.MapPost("/hook", handler));

    private static Uri Address(LoopbackHost receiver) => new(receiver.BaseAddress, "hook");
}

/// <summary>Listens to the verdict-change counter of the meters one <see cref="IMeterFactory"/> created.</summary>
internal sealed class ChangeCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<long> _measurements = [];

    public ChangeCounter(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == VerdictAlerts.MeterName && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "canary.probe.verdict_changes")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (_measurements)
            {
                _measurements.Add(value);
            }
        });
        _listener.Start();
    }

    public long[] Measurements
    {
        get
        {
            lock (_measurements)
            {
                return [.. _measurements];
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
