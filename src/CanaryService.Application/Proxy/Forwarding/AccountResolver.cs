using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using CanaryService.Application.Configuration;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Keys;
using CanaryService.Core.Issuance;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Proxy.Forwarding;

/// <summary>
/// Names the account a request comes from: the front door's header when configured and present, else <c>key-</c>
/// plus the first 32 hex characters of HMAC-SHA256(account salt, caller's API key); <c>anonymous</c> without either.
/// </summary>
/// <remarks>The raw key is hashed in place and never kept, logged or stored.</remarks>
internal sealed class AccountResolver : IDisposable
{
    private const int MaxAccountLength = 128;
    private const int MaxStackKeyBytes = 512;
    private readonly byte[] _salt;

    // One keyed HMAC state per thread (ThreadHmac): set up per request, the MAC cost as much as the rest of the request's
    // handling in the proxy.
    private readonly ThreadHmac _hmac;
    private readonly string? _header;

    public AccountResolver(CanaryKeyRing keyRing, IOptions<ProxyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        ArgumentNullException.ThrowIfNull(options);
        _salt = keyRing.AccountSalt;
        _hmac = new ThreadHmac(_salt);
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

    /// <summary>The hint of the caller's key as providers show it (<c>sk-…abcd</c>), or null when no key was sent.</summary>
    public static string? KeyHintOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CallerKey(request) is { } key ? KeyHint.Of(key) : null;
    }

    /// <summary><c>key-</c> + 32 hex characters of HMAC-SHA256(salt, UTF-8 key).</summary>
    public string HashKey(string apiKey)
    {
        ArgumentNullException.ThrowIfNull(apiKey);
        int maxBytes = Encoding.UTF8.GetMaxByteCount(apiKey.Length);
        byte[]? rented = maxBytes > MaxStackKeyBytes ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        Span<byte> utf8 = rented ?? stackalloc byte[MaxStackKeyBytes];
        Span<byte> mac = stackalloc byte[32];
        try
        {
            int length = Encoding.UTF8.GetBytes(apiKey, utf8);
            _hmac.Compute(utf8[..length], mac);
            utf8[..length].Clear(); // the caller's key does not linger in memory
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }

        return "key-" + Convert.ToHexStringLower(mac[..16]);
    }

    /// <inheritdoc />
    public void Dispose() => _hmac.Dispose();

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
