using System.Security.Cryptography;
using System.Text;
using CanaryService.Application.Configuration;
using CanaryService.Application.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Evidence;

/// <summary>
/// Guards every <c>/api/*</c> route of the Host: the <c>x-canary-admin-key</c> header must equal
/// <c>Evidence:AdminKey</c> (compared in constant time). Without a configured key the API is refused, never open.
/// </summary>
public sealed class AdminKeyMiddleware
{
    /// <summary>The header that carries the admin key.</summary>
    public const string HeaderName = "x-canary-admin-key";

    /// <summary>The path prefix it guards.</summary>
    public static readonly PathString GuardedPrefix = new("/api");

    private readonly RequestDelegate _next;
    private readonly IOptionsMonitor<EvidenceOptions> _options;

    /// <summary>Creates the middleware.</summary>
    public AdminKeyMiddleware(RequestDelegate next, IOptionsMonitor<EvidenceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        _options = options;
    }

    /// <summary>Lets the request through or answers 401 in the OpenAI error shape.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Path.StartsWithSegments(GuardedPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return _next(context);
        }

        string? expected = _options.CurrentValue.AdminKey;
        if (string.IsNullOrEmpty(expected))
        {
            return OpenAIErrorResult.WriteAsync(context, StatusCodes.Status401Unauthorized,
                "The evidence API is disabled: no admin key is configured (Evidence:AdminKey).", "authentication_error", "admin_key_not_configured");
        }

        string? presented = context.Request.Headers[HeaderName];
        if (string.IsNullOrEmpty(presented) || !KeysEqual(presented, expected))
        {
            return OpenAIErrorResult.WriteAsync(context, StatusCodes.Status401Unauthorized,
                $"Missing or wrong admin key: send it in the {HeaderName} header.", "authentication_error", "invalid_admin_key");
        }

        return _next(context);
    }

    /// <summary>Constant-time comparison; hashing first hides the expected key's length too.</summary>
    internal static bool KeysEqual(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
