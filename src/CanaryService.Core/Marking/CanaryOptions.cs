namespace CanaryService.Core.Marking;

/// <summary>The engine's configuration (section <c>Canary</c>).</summary>
public sealed class CanaryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Canary";

    /// <summary>The master secret, base64, at least 32 bytes (Key Vault in Azure). Never logged.</summary>
    public string? MasterKey { get; set; }

    /// <summary>The fraction of eligible responses that get a canary phrasing (0 to 1, default 0.2).</summary>
    public double PhraseRate { get; set; } = 0.2;

    /// <summary>D, the number of decoy phrasings per topic (at least 99).</summary>
    public int PhraseDecoys { get; set; } = 99;

    /// <summary>The UTC date format that names an epoch (default <c>yyyy-MM</c>: a canary per topic per month).</summary>
    public string EpochFormat { get; set; } = "yyyy-MM";

    /// <summary>Turns these settings into the marker's options (validating them).</summary>
    public CanaryMarkerOptions ToMarkerOptions() => new()
    {
        PhraseRate = PhraseRate,
        PhraseDecoys = PhraseDecoys,
        EpochFormat = EpochFormat,
    };
}
