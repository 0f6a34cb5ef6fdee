using Azure;
using CanaryService.Application.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CanaryService.Application.Evidence;

/// <summary>
/// Turns a storage failure under an evidence route (storage down or unreachable) into an OpenAI-shaped 503 instead
/// of an empty 500; the failure is logged. The Host applies it as an endpoint filter, the Functions app through
/// <see cref="GuardAsync"/>.
/// </summary>
public static partial class StorageUnavailableFilter
{
    /// <summary>The endpoint filter form.</summary>
    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsStorageFailure(exception) && !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(context.HttpContext, exception);
        }
    }

    /// <summary>Runs one evidence handler, answering 503 instead of throwing when storage fails under it.</summary>
    public static async Task<IResult> GuardAsync(HttpContext context, Func<Task<IResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(handler);
        try
        {
            return await handler().ConfigureAwait(false);
        }
        catch (Exception exception) when (IsStorageFailure(exception) && !context.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(context, exception);
        }
    }

    private static IResult Unavailable(HttpContext context, Exception exception)
    {
        ILogger logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(EvidenceHandlers).FullName!);
        LogStorageUnavailable(logger, exception);
        return OpenAIErrorResult.Create(StatusCodes.Status503ServiceUnavailable,
            "The evidence store is unavailable; try again later.", "service_unavailable", "storage_unavailable");
    }

    // The Azure SDK throws RequestFailedException, or AggregateException of them once its retries are used up.
    private static bool IsStorageFailure(Exception exception) =>
        exception is RequestFailedException
        || (exception is AggregateException aggregate && aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => e is RequestFailedException));

    [LoggerMessage(Level = LogLevel.Warning, Message = "The evidence store could not be reached; the evidence API answered 503.")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception);
}
