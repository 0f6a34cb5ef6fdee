namespace CanaryService.Core.Campaigns;

/// <summary>How the extraction monitor scores and links accounts (configuration section <c>Campaigns</c>).</summary>
public sealed class CampaignOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Campaigns";

    /// <summary>The traffic the monitor reads: the windows of this span before now. Default 7 days.</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Accounts with fewer requests are not flagged (their shares are too noisy). Default 50.</summary>
    public long MinRequests { get; set; } = 50;

    /// <summary>Accounts with at least this many requests form the benign population the scores are calibrated on, and can be linked. Default 10.</summary>
    public long CalibrationMinRequests { get; set; } = 10;

    /// <summary>A feature is extreme at this robust z (distance from the population median in MAD units). Default 3.5.</summary>
    public double ExtremeZ { get; set; } = 3.5;

    /// <summary>Besides an extreme volume, how many of the other features (template share, reasoning share, single-turn share, hour spread) must be extreme to flag. Default 2.</summary>
    public int MinExtremeFeatures { get; set; } = 2;

    /// <summary>A template signature or address prefix links accounts when it carries at least this share of an account's requests. Default 0.25.</summary>
    public double LinkMinShare { get; set; } = 0.25;

    /// <summary>… and at least this many of them. Default 5.</summary>
    public long LinkMinCount { get; set; } = 5;

    /// <summary>A JSON POST goes here when a cluster is first flagged; unset, none is sent.</summary>
    public Uri? WebhookUrl { get; set; }

    internal void Validate()
    {
        if (Lookback < TimeSpan.FromHours(1) || Lookback > TimeSpan.FromDays(366))
        {
            throw new ArgumentOutOfRangeException(nameof(Lookback), Lookback, "Campaigns:Lookback must be from 01:00:00 to 366.00:00:00.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinRequests, 1, nameof(MinRequests));
        ArgumentOutOfRangeException.ThrowIfLessThan(CalibrationMinRequests, 1, nameof(CalibrationMinRequests));
        if (!(ExtremeZ > 0 && double.IsFinite(ExtremeZ)))
        {
            throw new ArgumentOutOfRangeException(nameof(ExtremeZ), ExtremeZ, "Campaigns:ExtremeZ must be a positive number.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MinExtremeFeatures, nameof(MinExtremeFeatures));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinExtremeFeatures, 4, nameof(MinExtremeFeatures));
        if (!(LinkMinShare > 0 && LinkMinShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LinkMinShare), LinkMinShare, "Campaigns:LinkMinShare must be in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(LinkMinCount, 1, nameof(LinkMinCount));
    }
}
