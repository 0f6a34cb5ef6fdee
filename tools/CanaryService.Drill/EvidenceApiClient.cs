using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CanaryService.Drill;

/// <summary>
/// The drill's view of the service's admin and evidence API: it triggers the probe run and reads the verdicts the
/// way an operator would, over HTTP with the admin key.
/// </summary>
internal sealed class EvidenceApiClient(HttpClient admin)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>How often the drill polls a long operation.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// <c>POST /api/probes/run?seed=</c>: starts every competitor's probe with plans drawn from <paramref name="seed"/>
    /// (202 and a status URL), polls the operation until it ends, and returns what each run did.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ProbeRunSummary>> RunProbesAsync(int seed, CancellationToken cancellationToken)
    {
        var uri = new Uri("/api/probes/run?seed=" + seed.ToString(CultureInfo.InvariantCulture), UriKind.Relative);
        using HttpResponseMessage response = await admin.PostAsync(uri, null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "POST /api/probes/run", cancellationToken).ConfigureAwait(false);
        Uri status = response.Headers.Location ?? throw new InvalidDataException("POST /api/probes/run answered without a status URL.");
        OperationView operation = await PollAsync(status, cancellationToken).ConfigureAwait(false);

        // A run in which every probe failed ends failed but still reports each competitor's run.
        ProbeRunView run = operation.Result?.Deserialize<ProbeRunView>(Json)
            ?? throw new InvalidDataException($"The probe run ended {operation.Status} without a report: {operation.Error}");
        return run.Competitors.ToDictionary(c => c.Competitor, StringComparer.Ordinal);
    }

    private async Task<OperationView> PollAsync(Uri status, CancellationToken cancellationToken)
    {
        while (true)
        {
            OperationView operation = await GetJsonAsync<OperationView>(status.OriginalString, cancellationToken).ConfigureAwait(false);
            if (operation.Status is "succeeded" or "failed")
            {
                return operation;
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <c>POST /api/monitor/run</c> (polled to its end), then <c>GET /api/clusters</c> and
    /// <c>GET /api/accounts?flagged=true</c>: runs the extraction monitor as an operator would and reads what it found.
    /// </summary>
    public async Task<MonitorView> RunMonitorAsync(CancellationToken cancellationToken)
    {
        using (HttpResponseMessage response = await admin.PostAsync(new Uri("/api/monitor/run", UriKind.Relative), null, cancellationToken).ConfigureAwait(false))
        {
            await EnsureSuccessAsync(response, "POST /api/monitor/run", cancellationToken).ConfigureAwait(false);
            Uri status = response.Headers.Location ?? throw new InvalidDataException("POST /api/monitor/run answered without a status URL.");
            OperationView operation = await PollAsync(status, cancellationToken).ConfigureAwait(false);
            if (operation.Status != "succeeded")
            {
                throw new InvalidDataException($"The monitor run ended {operation.Status}: {operation.Error}");
            }
        }

        ClusterListView clusters = await GetJsonAsync<ClusterListView>("/api/clusters", cancellationToken).ConfigureAwait(false);
        FlaggedListView flagged = await GetJsonAsync<FlaggedListView>("/api/accounts?flagged=true", cancellationToken).ConfigureAwait(false);
        return new MonitorView(clusters.Data, [.. flagged.Data.Select(a => a.Account)]);
    }

    /// <summary><c>GET /api/competitors</c>: each competitor's verdict and attributed account.</summary>
    public async Task<IReadOnlyDictionary<string, CompetitorView>> ListCompetitorsAsync(CancellationToken cancellationToken)
    {
        CompetitorListView list = await GetJsonAsync<CompetitorListView>("/api/competitors", cancellationToken).ConfigureAwait(false);
        return list.Data.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    /// <summary><c>GET /api/competitors/{name}/evidence</c>: the latest values of each family and key.</summary>
    public Task<EvidenceView> GetEvidenceAsync(string name, CancellationToken cancellationToken) =>
        GetJsonAsync<EvidenceView>("/api/competitors/" + Uri.EscapeDataString(name) + "/evidence", cancellationToken);

    /// <summary><c>GET /api/competitors/{name}/report</c>: the self-contained HTML report.</summary>
    public async Task<string> GetReportAsync(string name, CancellationToken cancellationToken)
    {
        string path = "/api/competitors/" + Uri.EscapeDataString(name) + "/report";
        using HttpResponseMessage response = await admin.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "GET " + path, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> GetJsonAsync<T>(string path, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await admin.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "GET " + path, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"GET {path} returned no content.");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException(string.Create(CultureInfo.InvariantCulture, $"{what} answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}"));
        }
    }

    private sealed record OperationView(string Status, JsonElement? Result, string? Error);

    private sealed record ProbeRunView(IReadOnlyList<ProbeRunSummary> Competitors);

    private sealed record CompetitorListView(IReadOnlyList<CompetitorView> Data);

    private sealed record ClusterListView(IReadOnlyList<ClusterView> Data);

    private sealed record FlaggedListView(IReadOnlyList<FlaggedAccountView> Data);

    private sealed record FlaggedAccountView(string Account);
}

/// <summary>What the extraction monitor found: its clusters and the accounts it flagged.</summary>
internal sealed record MonitorView(IReadOnlyList<ClusterView> Clusters, IReadOnlyList<string> FlaggedAccounts);

/// <summary>A cluster of linked accounts as <c>GET /api/clusters</c> lists it.</summary>
internal sealed record ClusterView(string Cluster, IReadOnlyList<string> Accounts, bool Flagged);

/// <summary>The cluster a competitor's evidence points to, with its accounts.</summary>
internal sealed record ClusterAttributionView(string Cluster, IReadOnlyList<string> Accounts);

/// <summary>One competitor's probe run as the result of a <c>POST /api/probes/run</c> operation reports it.</summary>
internal sealed record ProbeRunSummary(string Competitor, string Status, int Requests, int Answers, int Failures, IReadOnlyList<string> Errors);

/// <summary>A competitor as <c>GET /api/competitors</c> lists it.</summary>
internal sealed record CompetitorView(string Name, string Verdict, string? AttributedAccount);

/// <summary>A competitor's evidence as <c>GET /api/competitors/{name}/evidence</c> returns it (the parts the drill reads).</summary>
internal sealed record EvidenceView(string Verdict, string? AttributedAccount, IReadOnlyList<SeriesView> Series, ClusterAttributionView? AttributedCluster = null);

/// <summary>The latest values of one family and key.</summary>
internal sealed record SeriesView(string Family, string KeyId, long N, long Matches, double PValue, double EValue, string Verdict);
