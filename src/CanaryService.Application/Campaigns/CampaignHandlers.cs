using System.Text.Json;
using CanaryService.Application.Errors;
using CanaryService.Application.Evidence;
using CanaryService.Application.Proxy.Forwarding;
using CanaryService.Core.Campaigns;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Application.Campaigns;

/// <summary>
/// The accounts and clusters API: <c>POST /api/accounts/lookup</c> (an API key to its account, key hint, first and
/// last seen), <c>GET /api/accounts[?flagged=true]</c>, <c>GET /api/clusters</c> (<c>POST /api/monitor/run</c> is a long operation: <c>OperationHandlers</c>).
/// Behind the admin key like every <c>/api</c> route.
/// </summary>
public sealed class CampaignHandlers
{
    private const int MaxKeyLength = 512;
    private const int MaxBodyBytes = 16 * 1024;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly AccountResolver _accounts;
    private readonly ITrafficLog _traffic;
    private readonly ExtractionMonitorRunner _monitor;

    internal CampaignHandlers(AccountResolver accounts, ITrafficLog traffic, ExtractionMonitorRunner monitor)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(traffic);
        ArgumentNullException.ThrowIfNull(monitor);
        _accounts = accounts;
        _traffic = traffic;
        _monitor = monitor;
    }

    /// <summary>
    /// <c>{"apiKey":"sk-…"}</c> → <c>{"account","keyHint","seen","firstSeen","lastSeen"}</c>. The key is hashed as the
    /// proxy hashes it and forgotten; it is never logged or stored.
    /// </summary>
    public async Task<IResult> LookupAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? key = await ReadKeyAsync(request, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            return OpenAIErrorResult.Create(StatusCodes.Status400BadRequest,
                $"The body must be a JSON object with \"apiKey\": the API key to look up (at most {MaxKeyLength} characters).", "invalid_request_error", "invalid_api_key", "apiKey");
        }

        string account = _accounts.HashKey(key);
        AccountProfile? profile = await _traffic.GetProfileAsync(account, cancellationToken).ConfigureAwait(false);
        return Results.Json(new
        {
            account,
            keyHint = profile?.KeyHint ?? KeyHint.Of(key),
            seen = profile is not null,
            firstSeen = profile?.FirstSeen,
            lastSeen = profile?.LastSeen,
        }, Json);
    }

    /// <summary><c>{"data":[{"account","flagged","score","cluster","reasons","requests"}]}</c> from the latest monitor run.</summary>
    public async Task<IResult> ListAccountsAsync(string? flagged, CancellationToken cancellationToken = default)
    {
        bool? only = null;
        if (flagged is not null)
        {
            if (!bool.TryParse(flagged, out bool value))
            {
                return OpenAIErrorResult.Create(StatusCodes.Status400BadRequest, "'flagged' must be true or false.", "invalid_request_error", "invalid_flagged", "flagged");
            }

            only = value;
        }

        MonitorOutcome? latest = await _monitor.LatestAsync(cancellationToken).ConfigureAwait(false);
        IEnumerable<AccountAssessment> accounts = latest?.Accounts ?? [];
        if (only is { } wanted)
        {
            accounts = accounts.Where(a => a.Flagged == wanted);
        }

        return Results.Json(new
        {
            data = accounts.Select(a => new { account = a.Account, flagged = a.Flagged, score = a.Score, cluster = a.Cluster, reasons = a.Reasons, requests = a.Requests }),
        }, Json);
    }

    /// <summary><c>{"data":[{"cluster","accounts","flagged","signals","requests"}]}</c> from the latest monitor run.</summary>
    public async Task<IResult> ListClustersAsync(CancellationToken cancellationToken = default)
    {
        MonitorOutcome? latest = await _monitor.LatestAsync(cancellationToken).ConfigureAwait(false);
        return Results.Json(new
        {
            data = (latest?.Clusters ?? []).Select(c => new { cluster = c.Cluster, accounts = c.Accounts, flagged = c.Flagged, signals = c.Signals, requests = c.Requests }),
        }, Json);
    }

    private static async Task<string?> ReadKeyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        try
        {
            using var body = new MemoryStream();
            byte[] buffer = new byte[4096];
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (body.Length + read > MaxBodyBytes)
                {
                    return null;
                }

                body.Write(buffer, 0, read);
            }

            using JsonDocument document = JsonDocument.Parse(body.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("apiKey", out JsonElement key)
                && key.ValueKind == JsonValueKind.String
                && key.GetString() is { Length: > 0 and <= MaxKeyLength } value
                && !string.IsNullOrWhiteSpace(value)
                ? value.Trim()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (BadHttpRequestException)
        {
            return null;
        }
    }
}
