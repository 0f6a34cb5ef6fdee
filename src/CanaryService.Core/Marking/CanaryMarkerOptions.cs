using System.Globalization;
using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;

namespace CanaryService.Core.Marking;

/// <summary>
/// How <see cref="CanaryMarker"/> marks responses: the marking settings of section <c>Canary</c> (beside
/// <see cref="CanaryOptions.MasterKey"/>), bound from it by <c>AddCanaryService</c>, so the proxy and <c>UseCanaries()</c>
/// read one value each.
/// </summary>
public sealed class CanaryMarkerOptions
{
    /// <summary>The configuration section these settings bind from, shared with <see cref="CanaryOptions"/> (the master key).</summary>
    public const string SectionName = CanaryOptions.SectionName;

    /// <summary>The fraction of eligible responses that get a canary phrasing (0 to 1, default 0.2): <c>Canary:PhraseRate</c>.</summary>
    public double PhraseRate { get; init; } = 0.2;

    /// <summary>D, the number of decoy phrasings per topic (at least 99): <c>Canary:PhraseDecoys</c>.</summary>
    public int PhraseDecoys { get; init; } = PhraseCanaryGenerator.MinimumDecoys;

    /// <summary>The UTC date format that names an epoch (default <c>yyyy-MM</c>: a canary per topic per month): <c>Canary:EpochFormat</c>.</summary>
    public string EpochFormat { get; init; } = "yyyy-MM";

    /// <summary>The lexicon (the shipped one unless a test gives another; not a setting).</summary>
    /// <remarks>Data shipped in Core, not a setting: internal, so the configuration binder never reaches it.</remarks>
    internal Lexicon.CanaryLexicon Lexicon { get; init; } = Core.Lexicon.CanaryLexicon.Default;

    /// <summary>The epoch that contains <paramref name="time"/>.</summary>
    public string EpochOf(DateTimeOffset time) => time.UtcDateTime.ToString(EpochFormat, CultureInfo.InvariantCulture);

    internal void Validate()
    {
        if (double.IsNaN(PhraseRate) || PhraseRate is < 0 or > 1)
        {
            throw new CanaryConfigurationException($"Canary:PhraseRate must be between 0 and 1 (was {PhraseRate.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (PhraseDecoys < PhraseCanaryGenerator.MinimumDecoys)
        {
            throw new CanaryConfigurationException($"Canary:PhraseDecoys must be at least {PhraseCanaryGenerator.MinimumDecoys} (was {PhraseDecoys}).");
        }

        if (string.IsNullOrWhiteSpace(EpochFormat) || EpochOf(DateTimeOffset.UnixEpoch).Length == 0)
        {
            throw new CanaryConfigurationException("Canary:EpochFormat must be a date format such as yyyy-MM.");
        }
    }
}
