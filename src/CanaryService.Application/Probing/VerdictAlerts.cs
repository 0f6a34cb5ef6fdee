using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using CanaryService.Application.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Probing;

/// <summary>A verdict that changed between two runs, for one competitor, family and key.</summary>
/// <param name="Competitor">The competitor.</param>
/// <param name="RunId">The run that changed it.</param>
/// <param name="Family"><c>lexical</c> or <c>phrase</c>.</param>
/// <param name="KeyId"><c>global</c> or <c>account:{id}</c>.</param>
/// <param name="Previous">The verdict before (null on the first row of this family and key).</param>
/// <param name="Current">The verdict now.</param>
/// <param name="EValue">The e-value behind the new verdict.</param>
/// <param name="PValue">The p-value reported beside it.</param>
/// <param name="AttributedAccount">The account the evidence points to, if any.</param>
/// <param name="At">When the evidence was recorded.</param>
public sealed record VerdictChange(
    string Competitor,
    string RunId,
    string Family,
    string KeyId,
    string? Previous,
    string Current,
    double EValue,
    double PValue,
    string? AttributedAccount,
    DateTimeOffset At);

/// <summary>
/// Raises an alert when a verdict changes: a warning in the log, the <c>canary.probe.verdict_changes</c> counter,
/// and a JSON POST to <c>Probe:WebhookUrl</c> when set. A failing webhook is logged, never fatal.
/// </summary>
public sealed partial class VerdictAlerts
{
    /// <summary>The meter of the probe runner.</summary>
    public const string MeterName = "CanaryService.Probing";

    /// <summary>The named <see cref="HttpClient"/> used for webhooks.</summary>
    public const string WebhookClientName = "canary-webhook";

    private readonly IOptionsMonitor<ProbeOptions> _options;
    private readonly IHttpClientFactory _httpClients;
    private readonly ILogger<VerdictAlerts> _logger;
    private readonly Counter<long> _changes;

    /// <summary>Creates the alerter.</summary>
    public VerdictAlerts(IOptionsMonitor<ProbeOptions> options, IHttpClientFactory httpClients, IMeterFactory meters, ILogger<VerdictAlerts> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClients);
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _httpClients = httpClients;
        _logger = logger;
        _changes = meters.Create(MeterName).CreateCounter<long>("canary.probe.verdict_changes", unit: "{change}", description: "Verdicts that changed after a probe run.");
    }

    /// <summary>Raises one alert per change. Never throws for a webhook fault.</summary>
    public async Task RaiseAsync(IReadOnlyList<VerdictChange> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (VerdictChange change in changes)
        {
            LogVerdictChanged(_logger, change.Competitor, change.Family, change.KeyId, change.Previous ?? "none", change.Current, change.EValue, change.PValue, change.AttributedAccount ?? "none", change.RunId);
            _changes.Add(1,
                new KeyValuePair<string, object?>("competitor", change.Competitor),
                new KeyValuePair<string, object?>("family", change.Family),
                new KeyValuePair<string, object?>("verdict", change.Current));
        }

        if (changes.Count == 0 || _options.CurrentValue.WebhookUrl is not { } url)
        {
            return;
        }

        try
        {
            HttpClient http = _httpClients.CreateClient(WebhookClientName);
            using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using HttpResponseMessage response = await http.PostAsJsonAsync(url, new { type = "canary.verdict_changed", changes }, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogWebhookRefused(_logger, (int)response.StatusCode);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogWebhookFailed(_logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Verdict changed for {Competitor} ({Family}, {KeyId}): {Previous} -> {Current}, e = {EValue:G4}, p = {PValue:G4}, account {Account}, run {RunId}.")]
    private static partial void LogVerdictChanged(ILogger logger, string competitor, string family, string keyId, string previous, string current, double eValue, double pValue, string account, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The verdict webhook answered HTTP {Status}.")]
    private static partial void LogWebhookRefused(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "The verdict webhook could not be called.")]
    private static partial void LogWebhookFailed(ILogger logger, Exception exception);
}
