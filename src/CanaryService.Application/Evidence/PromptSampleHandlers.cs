using System.Text.Json;
using CanaryService.Application.Errors;
using CanaryService.Core.Campaigns;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Application.Evidence;

/// <summary>
/// <c>GET /api/accounts/{account}/prompts</c>: the prompts retained in an account's prompt sample (what replay probes
/// ask competitors), for an operator checking what is kept. Customer text, so only behind the admin key, like every
/// <c>/api</c> route.
/// </summary>
public sealed class PromptSampleHandlers
{
    /// <summary>The most prompts one request returns (and the default).</summary>
    public const int MaxLimit = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly IPromptSampleLog _samples;

    /// <summary>Creates the handlers.</summary>
    public PromptSampleHandlers(IPromptSampleLog samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        _samples = samples;
    }

    /// <summary><c>{"account","data":[{"window","prompt"}]}</c>: up to <paramref name="limit"/> retained prompts, oldest window first.</summary>
    public async Task<IResult> ListAsync(string account, string? limit, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(account) || account.Length > 256)
        {
            return OpenAIErrorResult.Create(StatusCodes.Status400BadRequest, "'account' must be an account id.", "invalid_request_error", "invalid_account", "account");
        }

        int max = MaxLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out max) || max is < 1 or > MaxLimit))
        {
            return OpenAIErrorResult.Create(StatusCodes.Status400BadRequest, $"'limit' must be an integer from 1 to {MaxLimit}.", "invalid_request_error", "invalid_limit", "limit");
        }

        IReadOnlyList<SampledPrompt> prompts = await _samples.ReadAsync(account, max, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Results.Json(new { account, data = prompts.Select(p => new { window = p.WindowStart, prompt = p.Prompt }) }, Json);
    }
}
