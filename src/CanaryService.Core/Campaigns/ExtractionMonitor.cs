using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CanaryService.Core.Campaigns;

/// <summary>
/// Scores accounts against the population of the traffic itself and links them into clusters.
/// </summary>
/// <remarks>
/// <para><b>Scores.</b> Each feature is compared with the median of the accounts with at least
/// <see cref="CampaignOptions.CalibrationMinRequests"/> requests, in units of 1.4826 × MAD (the robust z): the median
/// and MAD ignore up to half of the population, so a campaign cannot hide by being numerous unless it is the majority.
/// An account is flagged when its volume is extreme and at least <see cref="CampaignOptions.MinExtremeFeatures"/> of its
/// template share, reasoning share, single-turn share and hour spread are too. Every extreme feature is a reason, with
/// its figures. A floor under each scale keeps a population that agrees closely from making small differences extreme.</para>
/// <para><b>Links.</b> Accounts that send a template signature or come from an address prefix in at least
/// <see cref="CampaignOptions.LinkMinShare"/> of their requests are joined (union-find over the signature buckets):
/// linear in the accounts times the signatures each holds.</para>
/// </remarks>
public sealed class ExtractionMonitor
{
    private const double ZCap = 20;
    private static readonly string[] FeatureNames = ["requests", "template share", "reasoning share", "single-turn share", "hour spread"];

    // Scale floors: log-volume (a factor of about 1.6) and shares (0.1 of the range).
    private static readonly double[] ScaleFloors = [0.5, 0.1, 0.1, 0.1, 0.1];

    private readonly CampaignOptions _options;

    /// <summary>Creates the monitor; throws for invalid options.</summary>
    public ExtractionMonitor(CampaignOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Scores and links <paramref name="traffic"/> (one merged window per account).</summary>
    public MonitorOutcome Assess(IReadOnlyList<AccountTrafficWindow> traffic, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        List<AccountTrafficWindow> accounts = [.. traffic.Where(t => t.Requests >= _options.CalibrationMinRequests).OrderBy(t => t.AccountId, StringComparer.Ordinal)];
        int n = accounts.Count;
        double[][] features = [.. accounts.Select(Features)];
        var medians = new double[FeatureNames.Length];
        var scales = new double[FeatureNames.Length];
        for (int f = 0; f < FeatureNames.Length; f++)
        {
            double[] column = [.. features.Select(x => x[f])];
            medians[f] = Median(column);
            double mad = Median([.. column.Select(v => Math.Abs(v - medians[f]))]);
            scales[f] = Math.Max(1.4826 * mad, ScaleFloors[f]);
        }

        var flagged = new bool[n];
        var scores = new double[n];
        var reasons = new List<string>[n];
        for (int i = 0; i < n; i++)
        {
            reasons[i] = [];
            int extremeOthers = 0;
            bool extremeVolume = false;
            for (int f = 0; f < FeatureNames.Length; f++)
            {
                double z = (features[i][f] - medians[f]) / scales[f];
                scores[i] += Math.Clamp(z, 0, ZCap);
                if (z >= _options.ExtremeZ)
                {
                    extremeVolume |= f == 0;
                    extremeOthers += f == 0 ? 0 : 1;
                    reasons[i].Add(Reason(f, accounts[i], features[i][f], medians[f], z));
                }
            }

            flagged[i] = accounts[i].Requests >= _options.MinRequests && extremeVolume && extremeOthers >= _options.MinExtremeFeatures;
        }

        int[] root = Link(accounts);
        // Most accounts link to nobody: count first, and gather only the sets of two or more.
        var setSize = new int[n];
        foreach (int r in root)
        {
            setSize[r]++;
        }

        Dictionary<int, List<int>> groups = [];
        for (int i = 0; i < n; i++)
        {
            if (setSize[root[i]] < 2)
            {
                continue;
            }

            if (!groups.TryGetValue(root[i], out List<int>? members))
            {
                groups[root[i]] = members = new List<int>(setSize[root[i]]);
            }

            members.Add(i);
        }

        var clusterOf = new string?[n];
        List<AccountCluster> clusters = [];
        foreach (List<int> members in groups.Values)
        {
            string id = ClusterId(accounts[members[0]].AccountId);
            int flaggedCount = members.Count(m => flagged[m]);
            bool clusterFlagged = flaggedCount >= 2 && 2 * flaggedCount >= members.Count;
            foreach (int m in members)
            {
                clusterOf[m] = id;
            }

            clusters.Add(new AccountCluster(id, [.. members.Select(m => accounts[m].AccountId)], clusterFlagged,
                Signals(members.Select(m => accounts[m]).ToList(), flaggedCount), members.Sum(m => accounts[m].Requests)));
        }

        List<AccountAssessment> assessed = [];
        for (int i = 0; i < n; i++)
        {
            assessed.Add(new AccountAssessment(accounts[i].AccountId, flagged[i], Math.Round(scores[i], 2), clusterOf[i], reasons[i], accounts[i].Requests));
        }

        return new MonitorOutcome(at, assessed, [.. clusters.OrderByDescending(c => c.Flagged).ThenByDescending(c => c.Requests)]);
    }

    /// <summary>The cluster id of a cluster whose smallest account id is <paramref name="smallestAccount"/>.</summary>
    public static string ClusterId(string smallestAccount)
    {
        ArgumentNullException.ThrowIfNull(smallestAccount);
        return "cluster-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(smallestAccount)).AsSpan(0, 6));
    }

    /// <summary>An account's features: log volume, template share, reasoning share, single-turn share, hour spread.</summary>
    internal static double[] Features(AccountTrafficWindow window)
    {
        double requests = Math.Max(1, window.Requests);
        return
        [
            Math.Log(1 + window.Requests),
            Math.Min(1, window.Templates.MaxCount / requests),
            window.ReasoningPrompts / requests,
            window.SingleTurn / requests,
            HourSpread(window.Hours),
        ];
    }

    /// <summary>The entropy of the hour-of-day profile over its maximum: 1 for traffic spread evenly round the clock.</summary>
    internal static double HourSpread(IReadOnlyList<long> hours)
    {
        double total = hours.Sum();
        if (total <= 0)
        {
            return 0;
        }

        double entropy = 0;
        foreach (long count in hours)
        {
            if (count > 0)
            {
                double p = count / total;
                entropy -= p * Math.Log(p);
            }
        }

        return entropy / Math.Log(hours.Count);
    }

    private int[] Link(List<AccountTrafficWindow> accounts)
    {
        var sets = new UnionFind(accounts.Count);
        Dictionary<ulong, int> templateOwner = [];
        Dictionary<string, int> prefixOwner = new(StringComparer.Ordinal);
        for (int i = 0; i < accounts.Count; i++)
        {
            foreach (ulong key in LinkingTemplates(accounts[i]))
            {
                if (!templateOwner.TryAdd(key, i))
                {
                    sets.Union(templateOwner[key], i);
                }
            }

            foreach (string prefix in LinkingPrefixes(accounts[i]))
            {
                if (!prefixOwner.TryAdd(prefix, i))
                {
                    sets.Union(prefixOwner[prefix], i);
                }
            }
        }

        return [.. Enumerable.Range(0, accounts.Count).Select(sets.Find)];
    }

    private IEnumerable<ulong> LinkingTemplates(AccountTrafficWindow account) =>
        account.Templates.Counts.Where(p => IsLinking(p.Value, account.Requests)).Select(p => p.Key);

    private IEnumerable<string> LinkingPrefixes(AccountTrafficWindow account) =>
        account.AddressPrefixes.Counts.Where(p => IsLinking(p.Value, account.Requests)).Select(p => p.Key);

    private bool IsLinking(long count, long requests) => count >= _options.LinkMinCount && count >= _options.LinkMinShare * requests;

    private List<string> Signals(List<AccountTrafficWindow> members, int flaggedCount)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        List<string> signals = [string.Create(c, $"{flaggedCount} of {members.Count} accounts flagged")];
        if (members.SelectMany(LinkingTemplates).GroupBy(k => k).MaxBy(g => g.Count()) is { } template && template.Count() >= 2)
        {
            double share = members.Where(m => m.Templates.Counts.ContainsKey(template.Key)).Average(m => (double)m.Templates.Counts[template.Key] / Math.Max(1, m.Requests));
            signals.Add(string.Create(c, $"prompt template {template.Key:x16} shared by {template.Count()} accounts ({share:P0} of their requests)"));
        }

        if (members.SelectMany(LinkingPrefixes).GroupBy(p => p, StringComparer.Ordinal).MaxBy(g => g.Count()) is { } prefix && prefix.Count() >= 2)
        {
            signals.Add(string.Create(c, $"client address prefix {prefix.Key} shared by {prefix.Count()} accounts"));
        }

        if (members.Select(m => m.UserAgents.Counts.MaxBy(p => p.Value).Key).Where(a => a is not null).GroupBy(a => a, StringComparer.Ordinal).MaxBy(g => g.Count()) is { } agent && agent.Count() >= 2)
        {
            signals.Add(string.Create(c, $"user agent \"{agent.Key}\" used most by {agent.Count()} accounts"));
        }

        long requests = members.Sum(m => m.Requests);
        long reasoning = members.Sum(m => m.ReasoningPrompts);
        long single = members.Sum(m => m.SingleTurn);
        signals.Add(string.Create(c, $"{requests} requests, {members.Sum(m => m.OutputWords)} output words, reasoning share {reasoning / (double)Math.Max(1, requests):P0}, single-turn share {single / (double)Math.Max(1, requests):P0}"));
        return signals;
    }

    private static string Reason(int feature, AccountTrafficWindow account, double value, double median, double z)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        return feature == 0
            ? string.Create(c, $"requests {account.Requests} (population median {Math.Exp(median) - 1:F0}, robust z {z:F1})")
            : string.Create(c, $"{FeatureNames[feature]} {value:F2} (population median {median:F2}, robust z {z:F1})");
    }

    private static double Median(double[] values)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        Array.Sort(values);
        int mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
