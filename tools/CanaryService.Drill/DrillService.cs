using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CanaryService.Application.Evidence;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Issuance;
using CanaryService.Host.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace CanaryService.Drill;

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

    /// <summary>The header the drill's "front door" sets with the caller's address (<c>Proxy:ClientAddressHeader</c>).</summary>
    public const string ClientAddressHeader = "x-drill-client-address";

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
                new("Logging:LogLevel:CanaryService.Application.Probing.VerdictAlerts", "Error"),
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

    /// <summary>
    /// Writes every queued issuance, traffic and prompt-sample record, so the extraction monitor, the planner (its replay
    /// probes draw on the prompt samples) and attribution see all the traffic, and a run's verdicts follow from its seed
    /// alone rather than from how far the background writers had got when the probes were planned.
    /// </summary>
    public async Task FlushTrafficAsync(CancellationToken cancellationToken)
    {
        await Services.GetRequiredService<IIssuanceLog>().FlushAsync(cancellationToken).ConfigureAwait(false);
        await Services.GetRequiredService<ITrafficLog>().FlushAsync(cancellationToken).ConfigureAwait(false);
        await Services.GetRequiredService<IPromptSampleLog>().FlushAsync(cancellationToken).ConfigureAwait(false);
    }

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

    /// <summary>
    /// <c>Campaigns:MinRequests</c>: the drill's harvest accounts send dozens of requests, not the thousands a real
    /// campaign's would, so an account may be flagged from 30 on (its volume must still be extreme).
    /// </summary>
    public long CampaignMinRequests { get; init; } = 30;

    /// <summary>
    /// <c>Campaigns:CalibrationMinRequests</c>: the drill's benign accounts hold a conversation or two (two to five
    /// requests), and the monitor calibrates on them.
    /// </summary>
    public long CampaignCalibrationMinRequests { get; init; } = 2;

    /// <summary>
    /// <c>Storage:RegistryWriteTimeout</c>: the drill's Azurite shares the cores with its own traffic (and a build
    /// machine with other builds), where a registration can take longer than the production 3 s. One that times out
    /// leaves the answers of the next 10 s without their canary (the proxy never makes a caller wait on storage), so
    /// the students' verdicts came to depend on the machine's load; a longer wait only slows the drill.
    /// </summary>
    public TimeSpan RegistryWriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Probe:ReplayPromptShare</c>: the share of probe prompts that replay prompts our accounts asked.</summary>
    public double ReplayPromptShare { get; init; } = 0.3;

    /// <summary><c>Probe:TopicPromptShare</c>: the share of probe prompts that ask about issued canary topics.</summary>
    public double TopicPromptShare { get; init; } = 0.5;

    /// <summary>
    /// <c>Probe:Competitors:{i}:TimeoutSeconds</c>: an in-process student answers in milliseconds; a student server
    /// (<c>--student-server</c>) samples its answers one at a time on the CPU, and four requests wait on each other.
    /// </summary>
    public TimeSpan CompetitorTimeout { get; init; } = TimeSpan.FromSeconds(30);

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
            ["Storage:RegistryWriteTimeout"] = RegistryWriteTimeout.ToString("c", CultureInfo.InvariantCulture),
            ["Upstream:BaseUrl"] = teacherOrigin.GetLeftPart(UriPartial.Authority),
            ["Proxy:AccountHeader"] = DrillService.AccountHeader,
            ["Proxy:ClientAddressHeader"] = DrillService.ClientAddressHeader,
            ["Storage:TrafficFlushInterval"] = "00:00:00.200",
            ["Campaigns:MinRequests"] = CampaignMinRequests.ToString(CultureInfo.InvariantCulture),
            ["Campaigns:CalibrationMinRequests"] = CampaignCalibrationMinRequests.ToString(CultureInfo.InvariantCulture),
            ["Evidence:AdminKey"] = adminKey,
            ["Probe:Schedule"] = DormantSchedule(DateTimeOffset.UtcNow),
            ["Detection:AttributionMinimumResponses"] = minimum,
            ["Probe:RetryBaseDelaySeconds"] = "0.05",
            ["Probe:ReplayPromptShare"] = ReplayPromptShare.ToString(CultureInfo.InvariantCulture),
            ["Probe:TopicPromptShare"] = TopicPromptShare.ToString(CultureInfo.InvariantCulture),
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
            settings[prefix + "TimeoutSeconds"] = CompetitorTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture);
            settings[prefix + "MaxRetries"] = "1";
        }

        return settings;
    }
}
