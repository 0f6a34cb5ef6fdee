using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Application.Errors;

/// <summary>
/// The one writer of errors in the OpenAI shape, <c>{"error":{"message","type","param","code"}}</c>, for the proxy and
/// the <c>/api</c> routes alike (handlers reach it through <see cref="OpenAIErrorResult"/>), so a caller's SDK parses
/// every error the service answers the same way.
/// </summary>
internal static class OpenAIError
{
    /// <summary>The content type of every error body.</summary>
    public const string ContentType = "application/json";

    /// <summary>Sets the status and writes the error body (nothing when the response has already started).</summary>
    public static async Task WriteAsync(HttpResponse response, int statusCode, string message, string type, string? code, string? param = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.HasStarted)
        {
            return;
        }

        // The error replaces whatever answer was being built (a forwarder may have copied upstream headers already).
        response.Clear();
        response.StatusCode = statusCode;
        response.ContentType = ContentType;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", type);
            WriteNullable(writer, "param", param);
            WriteNullable(writer, "code", code);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
