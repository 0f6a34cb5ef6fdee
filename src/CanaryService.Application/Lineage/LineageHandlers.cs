using System.Text;
using CanaryService.Application.Errors;
using CanaryService.Application.Evidence;
using CanaryService.Core.Lineage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Lineage;

/// <summary>
/// The lineage API's handlers, host-agnostic like the evidence API's: upload samples, a model's neighbours, the report.
/// Authentication is the host's job (the admin key on the Host, function keys on Functions).
/// </summary>
public sealed class LineageHandlers
{
    private readonly ILineageSampleStore _store;
    private readonly LineageAnalysisCache _cache;
    private readonly IOptions<LineageServiceOptions> _options;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the handlers.</summary>
    public LineageHandlers(ILineageSampleStore store, LineageAnalysisCache cache, IOptions<LineageServiceOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _cache = cache;
        _options = options;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// <c>POST /api/lineage/samples</c>: JSON lines <c>{"model","prompt","output"}</c>. All or nothing: a malformed line
    /// (400, naming the line) or a body over <c>Lineage:MaxUploadBytes</c> (413) stores nothing.
    /// </summary>
    public async Task<IResult> UploadAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        long limit = _options.Value.MaxUploadBytes;
        if (request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        byte[]? body = await ReadLimitedAsync(request.Body, limit, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return TooLarge(limit);
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return OpenAIErrorResult.Create(StatusCodes.Status400BadRequest, "The body is not valid UTF-8 text. Nothing was stored.", "invalid_request_error", "invalid_encoding");
        }

        (IReadOnlyList<LineageSample> samples, LineageLineError? error) = LineageJsonLines.Parse(text);
        if (error is not null)
        {
            return OpenAIErrorResult.Create(StatusCodes.Status400BadRequest,
                $"Line {error.Line}: {error.Message}. Each line must be a JSON object {{\"model\",\"prompt\",\"output\"}} with string values. Nothing was stored; fix the line and send the upload again.",
                "invalid_request_error", "invalid_sample_line", "line " + error.Line);
        }

        if (samples.Count == 0)
        {
            return OpenAIErrorResult.Create(StatusCodes.Status400BadRequest,
                "The body holds no samples: send JSON lines {\"model\",\"prompt\",\"output\"}, one per line.", "invalid_request_error", "no_samples");
        }

        string upload = await _store.AddAsync(samples, cancellationToken).ConfigureAwait(false);
        string[] models = [.. samples.Select(s => s.Model).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        return Results.Json(new { samples = samples.Count, models, upload }, EvidenceHandlers.Json);
    }

    /// <summary><c>GET /api/lineage/models/{model}</c>: the model's sample count and its neighbours, most similar first.</summary>
    public async Task<IResult> GetModelAsync(string model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        LineageAnalysis analysis = await _cache.GetAsync(cancellationToken).ConfigureAwait(false);
        LineageModel? found = analysis.Find(model);
        if (found is null)
        {
            string shown = model.Length <= 64 ? model : model[..64] + "…";
            return OpenAIErrorResult.Create(StatusCodes.Status404NotFound, $"No lineage samples of a model named '{shown}' are stored.", "not_found_error", "model_not_found", "model");
        }

        return Results.Json(new { model = found.Model, samples = found.Samples, neighbours = analysis.NeighboursOf(found.Model) }, EvidenceHandlers.Json);
    }

    /// <summary><c>GET /api/lineage/report</c>: the self-contained HTML report (heatmap, tree, neighbours, driving n-grams).</summary>
    public async Task<IResult> GetReportAsync(CancellationToken cancellationToken = default)
    {
        LineageAnalysis analysis = await _cache.GetAsync(cancellationToken).ConfigureAwait(false);
        return Results.Text(LineageReportRenderer.Render(analysis, _timeProvider.GetUtcNow()), "text/html; charset=utf-8");
    }

    private static IResult TooLarge(long limit) => OpenAIErrorResult.Create(StatusCodes.Status413PayloadTooLarge,
        $"The upload is larger than {limit} bytes (Lineage:MaxUploadBytes). Send the samples in several smaller uploads.", "invalid_request_error", "request_too_large");

    // Reads at most limit bytes; null when the body is longer (a missing or false Content-Length cannot get past it).
    private static async Task<byte[]?> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81_920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
