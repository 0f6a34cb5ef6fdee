using System.Globalization;
using Microsoft.Extensions.Options;

namespace CanaryService.Storage.Setup;

/// <summary>Checks the prompt-sample, traffic and stored-canary settings of <see cref="StorageOptions"/> at startup and names every bad one by its configuration key.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> errors = [];
        const string S = StorageOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.PromptSampleTable) || options.PromptSampleTable.Length is < 3 or > 63 || !char.IsAsciiLetter(options.PromptSampleTable[0])
            || !options.PromptSampleTable.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"{S}:PromptSampleTable must be a table name: 3-63 letters and digits, starting with a letter.");
        }

        if (options.PromptSamplesPerWindow is < 0 or > 10_000)
        {
            errors.Add($"{S}:PromptSamplesPerWindow must be between 0 (no prompts kept) and 10000.");
        }

        // Whole minutes, so a window's start is a whole minute and its row-key prefix (yyyy-MM-ddTHHmm) is exact.
        if (options.PromptSampleWindow < TimeSpan.FromHours(1) || options.PromptSampleWindow > TimeSpan.FromDays(31) || options.PromptSampleWindow.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            errors.Add($"{S}:PromptSampleWindow must be whole minutes from 01:00:00 to 31.00:00:00; it is {options.PromptSampleWindow.ToString("c", CultureInfo.InvariantCulture)}.");
        }

        if (options.PromptSampleRetention < options.PromptSampleWindow || options.PromptSampleRetention > TimeSpan.FromDays(3650))
        {
            errors.Add($"{S}:PromptSampleRetention must be at least one window ({S}:PromptSampleWindow) and at most 3650 days.");
        }

        if (options.PromptSampleQueueCapacity is < 1 or > 10_000_000)
        {
            errors.Add($"{S}:PromptSampleQueueCapacity must be between 1 and 10000000.");
        }

        // One table property holds 32K characters; a prompt is stored in one.
        if (options.PromptSampleMaxPromptChars is < 1 or > 30_000)
        {
            errors.Add($"{S}:PromptSampleMaxPromptChars must be between 1 and 30000.");
        }

        if (options.PromptSampleFlushInterval <= TimeSpan.Zero || options.PromptSampleFlushInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{S}:PromptSampleFlushInterval must be above zero and at most 01:00:00.");
        }

        foreach ((string setting, string? table) in new[] { ("TrafficTable", options.TrafficTable), ("CampaignTable", options.CampaignTable), ("StoredCanaryTable", options.StoredCanaryTable) })
        {
            if (string.IsNullOrWhiteSpace(table) || table.Length is < 3 or > 63 || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit))
            {
                errors.Add($"{S}:{setting} must be a table name: 3-63 letters and digits, starting with a letter.");
            }
        }

        if (options.TrafficQueueCapacity is < 1 or > 10_000_000)
        {
            errors.Add($"{S}:TrafficQueueCapacity must be between 1 and 10000000.");
        }

        if (options.TrafficFlushInterval <= TimeSpan.Zero || options.TrafficFlushInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{S}:TrafficFlushInterval must be above zero and at most 01:00:00.");
        }

        if (options.TrafficRetention < TimeSpan.FromDays(1) || options.TrafficRetention > TimeSpan.FromDays(3650))
        {
            errors.Add($"{S}:TrafficRetention must be from 1.00:00:00 to 3650.00:00:00.");
        }

        if (options.StoredCanaryRetention < TimeSpan.FromDays(1) || options.StoredCanaryRetention > TimeSpan.FromDays(3650))
        {
            errors.Add($"{S}:StoredCanaryRetention must be from 1.00:00:00 to 3650.00:00:00.");
        }

        if (options.StoredCanaryQueueCapacity is < 1 or > 10_000_000)
        {
            errors.Add($"{S}:StoredCanaryQueueCapacity must be between 1 and 10000000.");
        }

        if (options.StoredCanaryReadTimeout <= TimeSpan.Zero || options.StoredCanaryReadTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{S}:StoredCanaryReadTimeout must be above zero and at most 00:01:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
