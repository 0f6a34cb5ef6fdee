using System.Text.Json;
using System.Text.Json.Serialization;
using CanaryService.Application.Configuration;
using CanaryService.Application.Errors;
using CanaryService.Core.Evidence;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Application.Evidence;

/// <summary>
/// The evidence API's handlers, host-agnostic: each returns an <see cref="IResult"/> that the Host's endpoints and
/// the Functions app's HTTP triggers execute alike. Authentication is the host's job.
/// </summary>
public sealed class EvidenceHandlers
{
    /// <summary>How many recent transcripts the report searches for canary phrases.</summary>
    public const int ReportTranscripts = 20;

    /// <summary>How many matched canaries the report shows at most.</summary>
    public const int ReportMatches = 50;

    /// <summary>JSON of the evidence API: web names, enums as strings, and e-values that may be infinite.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>
    /// Any other <c>/api</c> method and path: an OpenAI-shaped 404 answered by the service itself. The request may carry
    /// the admin key or a function key, so it is never left to the proxy's catch-all route, which forwards upstream.
    /// </summary>
    public static IResult RouteNotFound() => OpenAIErrorResult.Create(StatusCodes.Status404NotFound,
        "No evidence API route matches this method and path.", "not_found_error", "route_not_found");

    private readonly EvidenceReader _reader;
    private readonly IEvidenceLedger _ledger;
    private readonly IProbeRunLog _runs;
    private readonly ITranscriptStore _transcripts;
    private readonly ICanaryRegistry _registry;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the handlers.</summary>
    public EvidenceHandlers(EvidenceReader reader, IEvidenceLedger ledger, IProbeRunLog runs, ITranscriptStore transcripts, ICanaryRegistry registry, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(transcripts);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _reader = reader;
        _ledger = ledger;
        _runs = runs;
        _transcripts = transcripts;
        _registry = registry;
        _timeProvider = timeProvider;
    }

    /// <summary><c>GET /api/competitors</c>: every competitor with its current verdict.</summary>
    public async Task<IResult> ListCompetitorsAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<CompetitorSummary> competitors = await _reader.ListCompetitorsAsync(cancellationToken).ConfigureAwait(false);
        return Results.Json(new { data = competitors }, Json);
    }

    /// <summary><c>GET /api/competitors/{name}/evidence</c>: per family and key, the cumulative values and the timeline.</summary>
    public async Task<IResult> GetEvidenceAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!CompetitorNames.IsValid(name))
        {
            return UnknownCompetitor(name);
        }

        CompetitorEvidence? evidence = await _reader.GetEvidenceAsync(name, cancellationToken).ConfigureAwait(false);
        return evidence is null ? UnknownCompetitor(name) : Results.Json(evidence, Json);
    }

    /// <summary><c>GET /api/competitors/{name}/report</c>: a self-contained HTML report.</summary>
    public async Task<IResult> GetReportAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!CompetitorNames.IsValid(name))
        {
            return UnknownCompetitor(name);
        }

        CompetitorEvidence? evidence = await _reader.GetEvidenceAsync(name, cancellationToken).ConfigureAwait(false);
        if (evidence is null)
        {
            return UnknownCompetitor(name);
        }

        List<ProbeRunRecord> runs = [];
        List<(string Name, Transcript Transcript)> transcripts = [];
        await foreach (ProbeRunRecord run in _runs.ListAsync(name, cancellationToken).ConfigureAwait(false))
        {
            runs.Add(run);
            if (run.TranscriptName is { } transcriptName && transcripts.Count < ReportTranscripts)
            {
                try
                {
                    transcripts.Add((transcriptName, await _transcripts.GetAsync(transcriptName, cancellationToken).ConfigureAwait(false)));
                }
                catch (Exception ex) when (ex is KeyNotFoundException or InvalidDataException)
                {
                    // A missing or altered transcript is reported by /api/ledger/verify; the report shows what is intact.
                }
            }

            if (runs.Count >= ReportTranscripts)
            {
                break;
            }
        }

        List<CanaryRecord> canaries = [];
        await foreach (CanaryRecord canary in _registry.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            canaries.Add(canary);
        }

        IReadOnlyList<CanaryMatch> matches = CanaryMatchFinder.Find(transcripts, canaries, ReportMatches);
        string html = EvidenceReportRenderer.Render(evidence, matches, runs, _timeProvider.GetUtcNow());
        return Results.Text(html, "text/html; charset=utf-8");
    }

    /// <summary><c>GET /api/ledger/verify</c>: 200 when every chain and transcript holds, 409 naming the first broken row otherwise.</summary>
    public async Task<IResult> VerifyLedgerAsync(CancellationToken cancellationToken = default)
    {
        LedgerVerification verification = await _ledger.VerifyAsync(cancellationToken).ConfigureAwait(false);
        return Results.Json(verification, Json, statusCode: verification.IsValid ? StatusCodes.Status200OK : StatusCodes.Status409Conflict);
    }

    private static IResult UnknownCompetitor(string name) =>
        OpenAIErrorResult.Create(StatusCodes.Status404NotFound, $"No competitor named '{Truncate(name)}' is configured or has evidence.", "not_found_error", "competitor_not_found", "name");

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
