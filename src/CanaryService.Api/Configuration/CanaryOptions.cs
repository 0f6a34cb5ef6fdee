namespace CanaryService.Api.Configuration;

/// <summary>The service's secret (configuration section <c>Canary</c>).</summary>
public sealed class CanaryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Canary";

    /// <summary>
    /// The master key, base64, at least 32 random bytes (from Key Vault in Azure). Every other key is derived from
    /// it; it never appears in a response, a log line or an error.
    /// </summary>
    public string? MasterKey { get; set; }
}
