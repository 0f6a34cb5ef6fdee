namespace CanaryService.Core.Marking;

/// <summary>
/// The engine's key setting (section <c>Canary</c>). How responses are marked is <see cref="CanaryMarkerOptions"/>,
/// bound from the same section: each setting has one owner.
/// </summary>
public sealed class CanaryOptions
{
    /// <summary>The configuration section of both.</summary>
    public const string SectionName = "Canary";

    /// <summary>The master secret, base64, at least 32 bytes (Key Vault in Azure). Never logged.</summary>
    public string? MasterKey { get; set; }
}
