using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CanaryService.Core.Keys;
using CanaryService.Core.Issuance;

namespace CanaryService.Core.Phrases;

/// <summary>
/// Makes a topic's canary phrasings: D+1 distinct candidates drawn with the epoch's phrase seed from the
/// <see cref="CanaryPhrasing"/> pairs (a closing hope and an offer of further help, all alike in form), a secret
/// uniform index, and a SHA-256 commitment to the index. Deterministic for (master key, epoch, topic), so the
/// detector recomputes it.
/// </summary>
/// <remarks>
/// The candidates of different topics overlap (there are 1,024 pairs and an open set of topics), so a candidate
/// counts only in answers to its own topic's prompts: the detector and the report scope every match to the topic
/// of the prompt that produced the answer.
/// </remarks>
public sealed class PhraseCanaryGenerator
{
    /// <summary>The smallest number of decoys allowed.</summary>
    public const int MinimumDecoys = 99;

    /// <summary>
    /// The least edit distance between two candidates: one more than twice the edit the detector forgives, so no
    /// text is within one edit of two candidates. The shipped pairs keep it (a test checks all of them).
    /// </summary>
    public const int MinimumCandidateDistance = 3;

    /// <summary>The largest number of decoys allowed: all but a few of the <see cref="CanaryPhrasing.Count"/> pairs.</summary>
    public const int MaximumDecoys = 999;

    private readonly CanaryKeyRing _keyRing;
    private readonly int _decoys;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the generator.</summary>
    /// <param name="keyRing">The key ring (its phrase seeds).</param>
    /// <param name="decoys">D, the number of decoys per topic (at least 99).</param>
    /// <param name="timeProvider">The clock for the record's creation time.</param>
    public PhraseCanaryGenerator(CanaryKeyRing keyRing, int decoys = MinimumDecoys, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        ArgumentOutOfRangeException.ThrowIfLessThan(decoys, MinimumDecoys);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(decoys, MaximumDecoys);
        _keyRing = keyRing;
        _decoys = decoys;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The canary of <paramref name="topic"/> in <paramref name="epoch"/>: candidates, the real index and the record.</summary>
    public PhraseCanary Create(string epoch, string topic, IReadOnlyList<string> topicWords)
    {
        ArgumentException.ThrowIfNullOrEmpty(epoch);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(topicWords);
        byte[] seed = _keyRing.PhraseSeed(epoch);

        // A keyed partial Fisher–Yates shuffle of the pair numbers: D+1 distinct pairs, each subset equally likely.
        int total = CanaryPhrasing.Count;
        int[] order = new int[total];
        for (int i = 0; i < total; i++)
        {
            order[i] = i;
        }

        var candidates = new string[_decoys + 1];
        for (int i = 0; i < candidates.Length; i++)
        {
            int pick = i + (int)(Draw(seed, "pair", topic, i) % (ulong)(total - i));
            (order[i], order[pick]) = (order[pick], order[i]);
            candidates[i] = CanaryPhrasing.Phrasing(order[i]);
        }

        int realIndex = (int)(Draw(seed, "index", topic, 0) % (ulong)candidates.Length);
        string commitment = Commit(seed, epoch, topic, realIndex);
        var record = new CanaryRecord(epoch, topic, [.. topicWords], candidates, commitment, _timeProvider.GetUtcNow());
        return new PhraseCanary(epoch, topic, [.. topicWords], candidates, realIndex, record);
    }

    /// <summary>Checks a revealed index against a record's commitment.</summary>
    public bool VerifyCommitment(CanaryRecord record, int realIndex)
    {
        ArgumentNullException.ThrowIfNull(record);
        byte[] seed = _keyRing.PhraseSeed(record.Epoch);
        return string.Equals(Commit(seed, record.Epoch, record.Topic, realIndex), record.Commitment, StringComparison.Ordinal);
    }

    private static string Commit(byte[] seed, string epoch, string topic, int realIndex)
    {
        // The nonce is secret (keyed), so the commitment hides the index until the nonce is revealed.
        byte[] nonce = HMACSHA256.HashData(seed, Encoding.UTF8.GetBytes("nonce\n" + topic));
        string opened = $"{epoch}\n{topic}\n{realIndex.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToHexStringLower(nonce)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(opened)));
    }

    private static ulong Draw(byte[] seed, string label, string topic, int counter)
    {
        byte[] mac = HMACSHA256.HashData(seed, Encoding.UTF8.GetBytes($"{label}\n{topic}\n{counter.ToString(CultureInfo.InvariantCulture)}"));
        return BinaryPrimitives.ReadUInt64BigEndian(mac);
    }
}
