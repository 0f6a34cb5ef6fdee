using System.Collections.Concurrent;

namespace CanaryService.Core.Keys;

/// <summary>
/// Every key the service uses, derived from the master key with HMAC-SHA256 and a fixed label, so one secret
/// (in Key Vault) recreates them all.
/// </summary>
public sealed class CanaryKeyRing
{
    /// <summary>The id of the global lexical key.</summary>
    public const string GlobalKeyId = "global";

    private readonly MasterKey _master;
    private readonly ConcurrentDictionary<string, LexicalKey> _accountKeys = new(StringComparer.Ordinal);

    /// <summary>Creates the key ring.</summary>
    public CanaryKeyRing(MasterKey master)
    {
        ArgumentNullException.ThrowIfNull(master);
        _master = master;
        Global = new LexicalKey(GlobalKeyId, master.Derive("canary/lexical/global"));
        LayerSeed = master.Derive("canary/lexical/layers");
        AccountSalt = master.Derive("canary/account-salt");
    }

    /// <summary>The global lexical key: answers "was it us?" from all traffic.</summary>
    public LexicalKey Global { get; }

    /// <summary>Decides which lexicon groups are keyed globally and which per account (half each).</summary>
    public byte[] LayerSeed { get; }

    /// <summary>Salt for hashing caller API keys into account ids (raw keys are never stored).</summary>
    public byte[] AccountSalt { get; }

    /// <summary>The lexical key of one account: answers "which account leaked?".</summary>
    public LexicalKey ForAccount(string accountId)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        return _accountKeys.GetOrAdd(accountId, static (id, master) =>
            new LexicalKey("account:" + id, master.Derive("canary/lexical/account/" + id)), _master);
    }

    /// <summary>The seed of an epoch's phrase canaries (slot words and the secret pick among candidates).</summary>
    public byte[] PhraseSeed(string epoch)
    {
        ArgumentException.ThrowIfNullOrEmpty(epoch);
        return _master.Derive("canary/phrase/" + epoch);
    }
}
