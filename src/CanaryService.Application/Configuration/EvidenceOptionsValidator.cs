using Microsoft.Extensions.Options;

namespace CanaryService.Application.Configuration;

/// <summary>Checks <see cref="EvidenceOptions"/> at startup. A missing key is allowed (the API is then refused), a weak one is not.</summary>
internal sealed class EvidenceOptionsValidator : IValidateOptions<EvidenceOptions>
{
    /// <summary>The shortest admin key accepted.</summary>
    public const int MinimumAdminKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, EvidenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? key = options.AdminKey;
        return !string.IsNullOrEmpty(key) && (key.Length < MinimumAdminKeyLength || string.IsNullOrWhiteSpace(key))
            ? ValidateOptionsResult.Fail($"{EvidenceOptions.SectionName}:AdminKey must be at least {MinimumAdminKeyLength} characters (leave it unset to refuse /api/*).")
            : ValidateOptionsResult.Success;
    }
}
