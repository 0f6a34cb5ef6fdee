namespace CanaryService.Application.Configuration;

/// <summary>The evidence API (configuration section <c>Evidence</c>).</summary>
public sealed class EvidenceOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Evidence";

    /// <summary>
    /// The value the Host requires in the <c>x-canary-admin-key</c> header on every <c>/api/*</c> route.
    /// When it is not set, <c>/api/*</c> is refused. Functions use function keys instead.
    /// </summary>
    public string? AdminKey { get; set; }
}
