using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CanaryService.Core.Evidence;

/// <summary>
/// The ledger's hash rule: SHA-256 over a canonical, unambiguous rendering of a row's content, its sequence
/// and the previous row's hash. Any edit to a stored row changes its hash and breaks the link to the next.
/// </summary>
public static class EvidenceChain
{
    /// <summary>The previous hash of a chain's first row.</summary>
    public static readonly string GenesisHash = new('0', 64);

    /// <summary>Chains <paramref name="draft"/> after a row whose hash is <paramref name="prevHash"/>.</summary>
    public static EvidenceEntry Link(EvidenceDraft draft, long sequence, string prevHash)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(prevHash);
        return new EvidenceEntry(draft, sequence, prevHash, ComputeHash(draft, sequence, prevHash));
    }

    /// <summary>The hash a row with this content must carry.</summary>
    public static string ComputeHash(EvidenceDraft draft, long sequence, string prevHash)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var canonical = new StringBuilder(512);
        void Field(string name, string? value)
        {
            // Length-prefixed fields: no separator inside a value can make two rows render alike.
            value ??= "\u2205";
            canonical.Append(name).Append(':').Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('\n');
        }

        Field("v", "1");
        Field("competitor", draft.Competitor);
        Field("sequence", sequence.ToString(CultureInfo.InvariantCulture));
        Field("run", draft.RunId);
        Field("family", draft.Family);
        Field("key", draft.KeyId);
        Field("n", draft.N.ToString(CultureInfo.InvariantCulture));
        Field("matches", draft.Matches.ToString(CultureInfo.InvariantCulture));
        Field("p", draft.PValue.ToString("R", CultureInfo.InvariantCulture));
        Field("e", draft.EValue.ToString("R", CultureInfo.InvariantCulture));
        Field("verdict", draft.Verdict);
        Field("account", draft.AttributedAccount);
        Field("transcript", draft.TranscriptName);
        Field("at", draft.RecordedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        if (draft.AttributedCluster is not null)
        {
            // Only rows that name a cluster carry these fields, so every row written before clusters keeps its hash.
            Field("cluster", draft.AttributedCluster);
            Field("clusterAccounts", string.Join(',', draft.ClusterAccounts ?? []));
        }

        Field("prev", prevHash);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}
