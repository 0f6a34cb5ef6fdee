using System.Globalization;
using System.Text.Json;
using CanaryService.Application.Errors;
using CanaryService.Application.Evidence;
using CanaryService.Application.Probing;
using CanaryService.Core.Operations;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Application.Operations;

/// <summary>
/// Long operations over HTTP: <c>POST /api/probes/run</c> and <c>POST /api/monitor/run</c> record an operation and
/// answer <c>202 Accepted</c> with <c>Location: /api/operations/{id}</c> at once (a probe run takes minutes, past a
/// front end's request limit); <c>GET /api/operations/{id}</c> answers where it stands. The Host hands the operation
/// to its background worker (<see cref="IOperationDispatcher"/>), the Functions app to a storage queue.
/// </summary>
public sealed class OperationHandlers
{
    /// <summary>The message of an operation refused because too many wait.</summary>
    public const string QueueFullMessage = "Too many operations are waiting; try again when some have finished.";

    private readonly IOperationStore _store;
    private readonly ProbeRunner _probes;
    private readonly OperationExecutor _executor;
    private readonly TimeProvider _time;

    /// <summary>Creates the handlers.</summary>
    public OperationHandlers(IOperationStore store, ProbeRunner probes, OperationExecutor executor, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _probes = probes;
        _executor = executor;
        _time = time;
    }

    /// <summary>The path a client polls for <paramref name="id"/>.</summary>
    public static string StatusPath(string id) => "/api/operations/" + id;

    /// <summary>
    /// Validates a probe run (404 for an unknown competitor, 400 for a seed that is not an integer) and records it
    /// <c>queued</c>; the caller dispatches it (<see cref="DispatchAsync"/>, or a queue output in the Functions app).
    /// </summary>
    public async Task<OperationStart> RecordProbesAsync(string? competitor, string? seed, CancellationToken cancellationToken = default)
    {
        if (competitor is not null && !_probes.IsConfigured(competitor))
        {
            return OperationStart.Refused(OpenAIErrorResult.Create(StatusCodes.Status404NotFound,
                $"No competitor named '{(competitor.Length <= 64 ? competitor : competitor[..64] + "…")}' is configured or has evidence.", "not_found_error", "competitor_not_found", "name"));
        }

        Dictionary<string, string> parameters = new(StringComparer.Ordinal);
        if (competitor is not null)
        {
            parameters["competitor"] = competitor;
        }

        if (seed is not null)
        {
            if (!int.TryParse(seed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int parsed))
            {
                return OperationStart.Refused(OpenAIErrorResult.Create(StatusCodes.Status400BadRequest, "'seed' must be an integer.", "invalid_request_error", "invalid_seed", "seed"));
            }

            parameters["seed"] = parsed.ToString(CultureInfo.InvariantCulture);
        }

        return OperationStart.Recorded(await RecordAsync(OperationKinds.ProbesRun, parameters, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Records a monitor run <c>queued</c>; the caller dispatches it.</summary>
    public async Task<OperationStart> RecordMonitorAsync(CancellationToken cancellationToken = default) =>
        OperationStart.Recorded(await RecordAsync(OperationKinds.MonitorRun, new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The Host's form: hands a recorded operation to <paramref name="dispatcher"/> and answers 202; a full queue marks
    /// it failed and answers 503.
    /// </summary>
    public async Task<IResult> DispatchAsync(OperationStart start, IOperationDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(dispatcher);
        if (start.Operation is not { } operation)
        {
            return start.Result;
        }

        if (dispatcher.TryEnqueue(operation.Id))
        {
            return start.Result;
        }

        await _executor.AbandonAsync(operation, QueueFullMessage).ConfigureAwait(false);
        return OpenAIErrorResult.Create(StatusCodes.Status503ServiceUnavailable, QueueFullMessage, "service_unavailable", "operations_queue_full");
    }

    /// <summary><c>GET /api/operations/{id}</c>: the record, or an OpenAI-shaped 404.</summary>
    public async Task<IResult> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!IsOperationId(id) || await _store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } operation)
        {
            return OpenAIErrorResult.Create(StatusCodes.Status404NotFound,
                $"No operation with id '{(id is { Length: <= 64 } ? id : id?[..64] + "…")}'.", "not_found_error", "operation_not_found", "id");
        }

        return Results.Json(View(operation), EvidenceHandlers.Json);
    }

    /// <summary>The 202 answer for a recorded operation.</summary>
    public static IResult Accept(OperationRecord operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        string url = StatusPath(operation.Id);
        IResult body = Results.Json(new { id = operation.Id, kind = operation.Kind, status = operation.Status, statusUrl = url },
            EvidenceHandlers.Json, statusCode: StatusCodes.Status202Accepted);
        return new AcceptedAt(url, body);
    }

    private async Task<OperationRecord> RecordAsync(string kind, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        var operation = new OperationRecord(Guid.NewGuid().ToString("N"), kind, parameters, OperationStatus.Queued, _time.GetUtcNow(), null, null, null, null);
        await _store.SaveAsync(operation, cancellationToken).ConfigureAwait(false);
        return operation;
    }

    private static object View(OperationRecord operation)
    {
        JsonElement? result = null;
        if (operation.Result is { } json)
        {
            using JsonDocument document = JsonDocument.Parse(json);
            result = document.RootElement.Clone();
        }

        return new
        {
            id = operation.Id,
            kind = operation.Kind,
            status = operation.Status,
            parameters = operation.Parameters,
            createdAt = operation.CreatedAt,
            startedAt = operation.StartedAt,
            finishedAt = operation.FinishedAt,
            result,
            error = operation.Error,
            statusUrl = StatusPath(operation.Id),
        };
    }

    private static bool IsOperationId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    /// <summary>Writes a JSON body with a <c>Location</c> header.</summary>
    private sealed class AcceptedAt(string location, IResult body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers.Location = location;
            return body.ExecuteAsync(httpContext);
        }
    }
}

/// <summary>A recorded operation and its 202 answer, or the error that refused it (nothing recorded).</summary>
public sealed class OperationStart
{
    private OperationStart(IResult result, OperationRecord? operation)
    {
        Result = result;
        Operation = operation;
    }

    /// <summary>The answer: 202 for a recorded operation, else the error.</summary>
    public IResult Result { get; }

    /// <summary>The recorded operation, or null when refused.</summary>
    public OperationRecord? Operation { get; }

    internal static OperationStart Recorded(OperationRecord operation) => new(OperationHandlers.Accept(operation), operation);

    internal static OperationStart Refused(IResult error) => new(error, null);
}
