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

    /// <summary>
    /// How many account keys are kept. Account ids come from callers' API keys before the upstream has checked them, so
    /// the cache must not grow with every key anyone sends; each kept key also keeps its preferred-form cache alive.
    /// </summary>
    internal const int MaxCachedAccountKeys = 1024;

    private readonly MasterKey _master;
    private readonly ConcurrentDictionary<string, LexicalKey> _accountKeys = new(StringComparer.Ordinal);
    private int _cachedAccountKeys;

    /// <summary>Creates the key ring.</summary>
    public CanaryKeyRing(MasterKey master)
    {
        ArgumentNullException.ThrowIfNull(master);
        _master = master;
        Global = new LexicalKey(GlobalKeyId, master.Derive("canary/lexical/global"));
        LayerSeed = master.Derive("canary/lexical/layers");
        AccountSalt = master.Derive("canary/account-salt");
        PhraseDrawKey = master.Derive("canary/phrase/draw");
        PromptSampleKey = master.Derive("canary/prompt-sample");
        TrafficSketchKey = master.Derive("canary/traffic-sketch");
    }

    /// <summary>The global lexical key: answers "was it us?" from all traffic.</summary>
    public LexicalKey Global { get; }

    /// <summary>Decides which lexicon groups are keyed globally and which per account (half each).</summary>
    public byte[] LayerSeed { get; }

    /// <summary>Salt for hashing caller API keys into account ids (raw keys are never stored).</summary>
    public byte[] AccountSalt { get; }

    /// <summary>
    /// Keys the per-response draw of a phrase canary, so the same request gets the same decision every time and nobody
    /// without the key can tell in advance which requests carry one.
    /// </summary>
    public byte[] PhraseDrawKey { get; }

    /// <summary>
    /// Keys the priority that decides which prompts an account's prompt sample keeps, so the caller cannot write
    /// prompts that crowd the others out of the sample without the key.
    /// </summary>
    public byte[] PromptSampleKey { get; }

    /// <summary>
    /// Keys the hashes of the traffic features (distinct prompts, template signatures): the same on every instance so
    /// their sketches merge, secret so a stored hash cannot be matched against guessed prompts.
    /// </summary>
    public byte[] TrafficSketchKey { get; }

    /// <summary>The lexical key of one account: answers "which account leaked?".</summary>
    public LexicalKey ForAccount(string accountId)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        if (_accountKeys.TryGetValue(accountId, out LexicalKey? known))
        {
            return known;
        }

        var key = new LexicalKey("account:" + accountId, _master.Derive("canary/lexical/account/" + accountId));
        if (_accountKeys.TryAdd(accountId, key) && Interlocked.Increment(ref _cachedAccountKeys) > MaxCachedAccountKeys)
        {
            // Full: start over (a key is re-derived in one HMAC). Clearing beats eviction bookkeeping on the hot path;
            // racing adders may leave a few more entries than the bound, never an unbounded number.
            _accountKeys.Clear();
            Volatile.Write(ref _cachedAccountKeys, 0);
        }

        return key;
    }

    /// <summary>How many account keys are cached now.</summary>
    internal int CachedAccountKeys => _accountKeys.Count;

    /// <summary>The seed of an epoch's phrase canaries (slot words and the secret pick among candidates).</summary>
    public byte[] PhraseSeed(string epoch)
    {
        ArgumentException.ThrowIfNullOrEmpty(epoch);
        return _master.Derive("canary/phrase/" + epoch);
    }
}
