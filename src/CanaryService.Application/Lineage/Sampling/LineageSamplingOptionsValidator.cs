using CanaryService.Application.Configuration;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Lineage.Sampling;

/// <summary>
/// Checks <see cref="LineageSamplingOptions"/> at startup and names every bad setting by its configuration key. A model
/// is filed under its name, so a name may be taken by one competitor, reference or own model only.
/// </summary>
internal sealed class LineageSamplingOptionsValidator(IOptionsMonitor<ProbeOptions> probe) : IValidateOptions<LineageSamplingOptions>
{
    public ValidateOptionsResult Validate(string? name, LineageSamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> errors = [];
        const string S = LineageSamplingOptions.SectionName;

        if (options.PromptsPerRun is < 1 or > 10_000)
        {
            errors.Add($"{S}:PromptsPerRun must be between 1 and 10000.");
        }

        string path = options.OwnModelPath ?? "";
        if (path.Split('/', StringSplitOptions.RemoveEmptyEntries).Any(segment => segment is "." or "..") || path.Contains('?', StringComparison.Ordinal) || path.Contains('#', StringComparison.Ordinal) || path.Contains(':', StringComparison.Ordinal))
        {
            errors.Add($"{S}:OwnModelPath must be a plain path under Upstream:BaseUrl, e.g. 'v1' or 'openai/v1'.");
        }

        HashSet<string> names = new(probe.CurrentValue.Competitors.Select(c => c.Name), StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < options.References.Count; i++)
        {
            CompetitorOptions reference = options.References[i];
            string at = $"{S}:References:{i}";
            if (!CompetitorNames.IsValid(reference.Name))
            {
                errors.Add($"{at}:Name must be 1-63 letters, digits, '-', '_' or '.'; it is '{reference.Name}'.");
            }
            else if (!names.Add(reference.Name))
            {
                errors.Add($"{at}:Name '{reference.Name}' is used by a competitor or another reference.");
            }

            CompetitorRules.Check(reference, at, errors);
        }

        for (int i = 0; i < options.OwnModels.Count; i++)
        {
            string model = options.OwnModels[i];
            if (!CompetitorNames.IsValid(model))
            {
                errors.Add($"{S}:OwnModels:{i} must be a model id of 1-63 letters, digits, '-', '_' or '.'; it is '{model}'.");
            }
            else if (!names.Add(model))
            {
                errors.Add($"{S}:OwnModels:{i} '{model}' is used by a competitor, a reference or another own model.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
