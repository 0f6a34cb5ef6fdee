using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CanaryService.Api.Evidence;
using CanaryService.Core.Ports;
using CanaryService.Host.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace CanaryService.Host.Drill;

/// <summary>One competitor the drill configures: a name and the OpenAI base URL it is served at.</summary>
internal sealed record DrillCompetitor(string Name, Uri BaseUrl, string Model);

/// <summary>
/// The real Canary Service, in-process on loopback: built by <see cref="CanaryWebApplication.BuildAsync"/> exactly as
/// <c>Program</c> builds it, with settings for the drill (its master key derived from the seed, Azurite storage, the
/// teacher as upstream, the students as competitors).
/// </summary>
internal sealed class DrillService : IAsyncDisposable
{
    /// <summary>The header the drill's "front door" sets with the caller's account (<c>Proxy:AccountHeader</c>).</summary>
    public const string AccountHeader = "x-drill-account";

    private readonly WebApplication _app;

    private DrillService(WebApplication app, Uri origin, string adminKey)
    {
        _app = app;
        Origin = origin;
        Admin = new HttpClient { BaseAddress = origin, Timeout = TimeSpan.FromMinutes(10) };
        Admin.DefaultRequestHeaders.Add(AdminKeyMiddleware.HeaderName, adminKey);
    }

    /// <summary>The service's origin (proxy under <c>/v1</c>, evidence API under <c>/api</c>).</summary>
    public Uri Origin { get; }

    /// <summary>The proxy's OpenAI base URL.</summary>
    public Uri ProxyBaseUrl => new(Origin, "/v1");

    /// <summary>A client for the evidence API that presents the admin key.</summary>
    public HttpClient Admin { get; }

    /// <summary>The app's services (the drill only flushes the issuance log through them).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Builds and starts the service; returns once its storage is ready.</summary>
    public static async Task<DrillService> StartAsync(
        DrillSettings settings, string storageConnectionString, Uri teacherOrigin, IReadOnlyList<DrillCompetitor> competitors, CancellationToken cancellationToken)
    {
        string adminKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        Dictionary<string, string?> configuration = settings.ToConfiguration(storageConnectionString, teacherOrigin, adminKey, competitors);
        WebApplication app = await CanaryWebApplication.BuildAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);

            // Quiet: the drill prints its own progress; only the service's warnings and errors reach the console
            // (the setting, not SetMinimumLevel, because appsettings.json's Logging section would win over the latter).
            // Verdict alerts are warnings by design; the drill's table shows the same verdicts.
            builder.Configuration.AddInMemoryCollection(
            [
                new("Logging:LogLevel:Default", "Warning"),
                new("Logging:LogLevel:CanaryService.Api.Probing.VerdictAlerts", "Error"),
            ]);
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }, cancellationToken).ConfigureAwait(false);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await app.WaitForStorageAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new DrillService(app, new Uri(address), adminKey);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes every queued issuance record, so the planner and attribution see all the traffic.</summary>
    public Task FlushIssuanceAsync(CancellationToken cancellationToken) =>
        Services.GetRequiredService<IIssuanceLog>().FlushAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The service settings the drill chooses (everything else keeps the code's defaults).</summary>
internal sealed record DrillSettings
{
    /// <summary>
    /// <c>Canary:PhraseRate</c>: the share of eligible answers that carry a canary phrasing. The drill's distiller
    /// harvests hundreds of answers, not the millions a real one would, so the 5 % student has learnt only a couple of
    /// dozen topics from it; every one of them carries its canary (1.0 rather than the service's 0.2) so that a few
    /// hundred probes find enough of them. The statistics are the same at any rate (docs/detection.md, "Drill").
    /// </summary>
    public double PhraseRate { get; init; } = 1.0;

    /// <summary>
    /// <c>Detection:AttributionMinimumResponses</c>: the drill's accounts send
    /// hundreds of requests, not the thousands a production account would, so the candidate threshold is lower.
    /// </summary>
    public long AttributionMinimumResponses { get; init; } = 20;

    /// <summary>Probe requests per competitor per run (<c>Probe:Competitors:{i}:MaxRequestsPerRun</c>).</summary>
    public int ProbeBudget { get; init; } = 120;

    /// <summary>The master key: 32 bytes derived from the seed, so a drill is reproducible (never a production key).</summary>
    public required string MasterKey { get; init; }

    /// <summary>Derives the drill's master key from its seed.</summary>
    public static string MasterKeyFor(int seed) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("canary-drill/" + seed.ToString(CultureInfo.InvariantCulture))));

    /// <summary>
    /// A schedule whose next occurrence is about 30 days away: the drill triggers its probe run itself, and the
    /// scheduler must not start one in the middle of it.
    /// </summary>
    internal static string DormantSchedule(DateTimeOffset now)
    {
        DateTimeOffset then = now.UtcDateTime.AddDays(30);
        return string.Create(CultureInfo.InvariantCulture, $"0 0 0 {then.Day} {then.Month} *");
    }

    public Dictionary<string, string?> ToConfiguration(string storageConnectionString, Uri teacherOrigin, string adminKey, IReadOnlyList<DrillCompetitor> competitors)
    {
        ArgumentNullException.ThrowIfNull(competitors);
        string minimum = AttributionMinimumResponses.ToString(CultureInfo.InvariantCulture);
        Dictionary<string, string?> settings = new()
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Canary:MasterKey"] = MasterKey,
            ["Canary:PhraseRate"] = PhraseRate.ToString(CultureInfo.InvariantCulture),
            ["Storage:ConnectionString"] = storageConnectionString,
            ["Storage:IssuanceFlushInterval"] = "00:00:00.200",
            ["Upstream:BaseUrl"] = teacherOrigin.GetLeftPart(UriPartial.Authority),
            ["Proxy:AccountHeader"] = DrillService.AccountHeader,
            ["Evidence:AdminKey"] = adminKey,
            ["Probe:Schedule"] = DormantSchedule(DateTimeOffset.UtcNow),
            ["Detection:AttributionMinimumResponses"] = minimum,
            ["Probe:RetryBaseDelaySeconds"] = "0.05",
        };

        for (int i = 0; i < competitors.Count; i++)
        {
            string prefix = string.Create(CultureInfo.InvariantCulture, $"Probe:Competitors:{i}:");
            settings[prefix + "Name"] = competitors[i].Name;
            settings[prefix + "BaseUrl"] = competitors[i].BaseUrl.ToString();
            settings[prefix + "Model"] = competitors[i].Model;
            settings[prefix + "ApiKey"] = "sk-drill-prober";
            settings[prefix + "MaxRequestsPerRun"] = ProbeBudget.ToString(CultureInfo.InvariantCulture);

            // Loopback students answer in milliseconds; the production rate limits would only make the drill slow.
            settings[prefix + "Concurrency"] = "4";
            settings[prefix + "RequestsPerMinute"] = "100000";
            settings[prefix + "TimeoutSeconds"] = "30";
            settings[prefix + "MaxRetries"] = "1";
        }

        return settings;
    }
}
