using System.Globalization;
using Microsoft.Extensions.Options;
using NCrontab;

namespace CanaryService.Application.Configuration;

/// <summary>Checks <see cref="ProbeOptions"/> at startup and names every bad setting by its configuration key.</summary>
internal sealed class ProbeOptionsValidator : IValidateOptions<ProbeOptions>
{
    public ValidateOptionsResult Validate(string? name, ProbeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> errors = [];
        const string S = ProbeOptions.SectionName;

        if (CrontabSchedule.TryParse(options.Schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true }) is null)
        {
            errors.Add($"{S}:Schedule '{options.Schedule}' is not a six-field NCRONTAB expression (second minute hour day month weekday), e.g. '0 0 */6 * * *'.");
        }

        if (!(options.Alpha > 0 && options.Alpha < 1))
        {
            errors.Add($"{S}:Alpha must be between 0 and 1 (exclusive); it is {options.Alpha.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (options.WebhookUrl is { } hook && (!hook.IsAbsoluteUri || (hook.Scheme != Uri.UriSchemeHttp && hook.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"{S}:WebhookUrl must be an absolute http(s) URL.");
        }

        if (options.IssuanceWindowDays < 1)
        {
            errors.Add($"{S}:IssuanceWindowDays must be at least 1.");
        }

        if (!(options.TopicPromptShare >= 0 && options.TopicPromptShare <= 1))
        {
            errors.Add($"{S}:TopicPromptShare must be between 0 and 1.");
        }

        if (!(options.ReplayPromptShare >= 0 && options.ReplayPromptShare <= 1))
        {
            errors.Add($"{S}:ReplayPromptShare must be between 0 and 1.");
        }
        else if (options.TopicPromptShare >= 0 && options.ReplayPromptShare + options.TopicPromptShare > 1 + 1e-9)
        {
            errors.Add($"{S}:ReplayPromptShare plus {S}:TopicPromptShare must be at most 1 (the rest are open prompts).");
        }

        if (!(options.ReplayRewordShare >= 0 && options.ReplayRewordShare <= 1))
        {
            errors.Add($"{S}:ReplayRewordShare must be between 0 and 1.");
        }

        if (!(options.RetryBaseDelaySeconds >= 0 && options.RetryBaseDelaySeconds <= 60))
        {
            errors.Add($"{S}:RetryBaseDelaySeconds must be between 0 and 60.");
        }

        if (!(options.RetryReserveShare >= 0 && options.RetryReserveShare <= 0.5))
        {
            errors.Add($"{S}:RetryReserveShare must be between 0 and 0.5.");
        }

        HashSet<string> names = new(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < options.Competitors.Count; i++)
        {
            CompetitorOptions c = options.Competitors[i];
            string at = $"{S}:Competitors:{i}";
            if (!CompetitorNames.IsValid(c.Name))
            {
                errors.Add($"{at}:Name must be 1-63 letters, digits, '-', '_' or '.'; it is '{c.Name}'.");
            }
            else if (!names.Add(c.Name))
            {
                errors.Add($"{at}:Name '{c.Name}' is used by another competitor.");
            }

            CompetitorRules.Check(c, at, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The checks of one OpenAI-compatible endpoint's settings, shared by competitors and lineage references.</summary>
internal static class CompetitorRules
{
    /// <summary>Adds an error, naming the key under <paramref name="at"/>, for every bad setting of <paramref name="c"/> but its name.</summary>
    public static void Check(CompetitorOptions c, string at, List<string> errors)
    {
        if (c.BaseUrl is null || !c.BaseUrl.IsAbsoluteUri || (c.BaseUrl.Scheme != Uri.UriSchemeHttp && c.BaseUrl.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{at}:BaseUrl must be an absolute http(s) URL of an OpenAI-compatible API, e.g. https://api.example.com/v1.");
        }

        if (string.IsNullOrWhiteSpace(c.Model))
        {
            errors.Add($"{at}:Model is required.");
        }

        if (string.IsNullOrWhiteSpace(c.ApiKey))
        {
            errors.Add($"{at}:ApiKey is required.");
        }

        if (c.MaxRequestsPerRun is < 1 or > 100_000)
        {
            errors.Add($"{at}:MaxRequestsPerRun must be between 1 and 100000.");
        }

        if (c.Concurrency is < 1 or > 64)
        {
            errors.Add($"{at}:Concurrency must be between 1 and 64.");
        }

        if (c.RequestsPerMinute is < 1 or > 100_000)
        {
            errors.Add($"{at}:RequestsPerMinute must be between 1 and 100000.");
        }

        if (!(c.TimeoutSeconds > 0 && c.TimeoutSeconds <= 600))
        {
            errors.Add($"{at}:TimeoutSeconds must be above 0 and at most 600.");
        }

        if (c.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{at}:MaxRetries must be between 0 and 10.");
        }
    }
}

/// <summary>The rule for competitor names, shared by configuration and the evidence API's route values.</summary>
internal static class CompetitorNames
{
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 63 && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.');
}
