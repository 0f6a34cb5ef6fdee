using Microsoft.AspNetCore.Http;

namespace CanaryService.Api.Evidence;

/// <summary>Errors of the evidence API in the OpenAI shape: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class OpenAIErrorResult
{
    public static IResult Create(int statusCode, string message, string type, string? code = null, string? param = null) =>
        Results.Json(new { error = new { message, type, param, code } }, statusCode: statusCode);

    public static Task WriteAsync(HttpContext context, int statusCode, string message, string type, string? code = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Create(statusCode, message, type, code).ExecuteAsync(context);
    }
}
