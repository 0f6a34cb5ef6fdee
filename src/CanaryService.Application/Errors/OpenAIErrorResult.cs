using Microsoft.AspNetCore.Http;

namespace CanaryService.Application.Errors;

/// <summary>An OpenAI-shaped error as a handler's <see cref="IResult"/>: it writes through <see cref="OpenAIError"/>.</summary>
internal sealed class OpenAIErrorResult : IResult, IStatusCodeHttpResult
{
    private readonly string _message;
    private readonly string _type;
    private readonly string? _code;
    private readonly string? _param;

    private OpenAIErrorResult(int statusCode, string message, string type, string? code, string? param)
    {
        StatusCode = statusCode;
        _message = message;
        _type = type;
        _code = code;
        _param = param;
    }

    /// <inheritdoc />
    public int StatusCode { get; }

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    /// <summary>The error with <paramref name="statusCode"/>; <paramref name="param"/> names the request field at fault, if any.</summary>
    public static IResult Create(int statusCode, string message, string type, string? code = null, string? param = null) =>
        new OpenAIErrorResult(statusCode, message, type, code, param);

    /// <summary>Writes the error now (for middleware, which has no result to return).</summary>
    public static Task WriteAsync(HttpContext context, int statusCode, string message, string type, string? code = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return OpenAIError.WriteAsync(context.Response, statusCode, message, type, code);
    }

    /// <inheritdoc />
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return OpenAIError.WriteAsync(httpContext.Response, StatusCode, _message, _type, _code, _param);
    }
}
