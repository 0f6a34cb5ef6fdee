using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CanaryService.Host.Drill;

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
}

/// <summary>One competitor's probe run as the result of a <c>POST /api/probes/run</c> operation reports it.</summary>
internal sealed record ProbeRunSummary(string Competitor, string Status, int Requests, int Answers, int Failures, IReadOnlyList<string> Errors);

/// <summary>A competitor as <c>GET /api/competitors</c> lists it.</summary>
internal sealed record CompetitorView(string Name, string Verdict, string? AttributedAccount);

/// <summary>A competitor's evidence as <c>GET /api/competitors/{name}/evidence</c> returns it (the parts the drill reads).</summary>
internal sealed record EvidenceView(string Verdict, string? AttributedAccount, IReadOnlyList<SeriesView> Series);

/// <summary>The latest values of one family and key.</summary>
internal sealed record SeriesView(string Family, string KeyId, long N, long Matches, double PValue, double EValue, string Verdict);
