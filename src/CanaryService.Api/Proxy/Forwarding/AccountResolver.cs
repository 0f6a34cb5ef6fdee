using System.Security.Cryptography;
using System.Text;
using CanaryService.Api.Configuration;
using CanaryService.Core.Keys;
using CanaryService.Core.Ports;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CanaryService.Api.Proxy.Forwarding;

/// <summary>
/// Names the account a request comes from: the front door's header when configured and present, else <c>key-</c>
/// plus the first 32 hex characters of HMAC-SHA256(account salt, caller's API key); <c>anonymous</c> without either.
/// </summary>
/// <remarks>The raw key is hashed in place and never kept, logged or stored.</remarks>
internal sealed class AccountResolver
{
    private const int MaxAccountLength = 128;
    private readonly byte[] _salt;
    private readonly string? _header;

    public AccountResolver(CanaryKeyRing keyRing, IOptions<ProxyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        ArgumentNullException.ThrowIfNull(options);
        _salt = keyRing.AccountSalt;
        _header = string.IsNullOrWhiteSpace(options.Value.AccountHeader) ? null : options.Value.AccountHeader.Trim();
    }

    /// <summary>The account of <paramref name="request"/>; null when the front door's header holds an unusable value.</summary>
    public string? Resolve(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_header is not null && request.Headers.TryGetValue(_header, out var values) && values.Count > 0)
        {
            string value = values.ToString().Trim();
            if (value.Length > 0)
            {
                return IsUsableAccount(value) ? value : null;
            }
        }

        string? key = CallerKey(request);
        return key is null ? AccountIds.Anonymous : HashKey(key);
    }

    /// <summary><c>key-</c> + 32 hex characters of HMAC-SHA256(salt, UTF-8 key).</summary>
    public string HashKey(string apiKey)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_salt, Encoding.UTF8.GetBytes(apiKey), mac);
        return "key-" + Convert.ToHexStringLower(mac[..16]);
    }

    private static string? CallerKey(HttpRequest request)
    {
        string authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            string token = authorization["Bearer ".Length..].Trim();
            if (token.Length > 0)
            {
                return token;
            }
        }

        string apiKey = request.Headers["api-key"].ToString().Trim();
        return apiKey.Length > 0 ? apiKey : null;
    }

    // Account ids become table partition keys and log fields: keep them short and plain.
    private static bool IsUsableAccount(string value)
    {
        if (value.Length > MaxAccountLength)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or ':'))
            {
                return false;
            }
        }

        return true;
    }
}
