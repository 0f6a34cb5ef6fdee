using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CanaryService.Core.Keys;
using CanaryService.Core.Ports;

namespace CanaryService.Core.Phrases;

/// <summary>
/// Makes a topic's canary phrasings: D+1 candidates "the {adjective}-{noun} {kind}" from keyed slot words (all
/// alike in form), a secret uniform index from the epoch's phrase seed, one sentence template per topic, and a
/// SHA-256 commitment to the index. Deterministic for (master key, epoch, topic), so the detector recomputes it.
/// </summary>
/// <remarks>
/// Candidates are at least <see cref="MinimumCandidateDistance"/> edits apart. The detector forgives one edit, so
/// candidates one or two edits apart ("the umber-nest check", "the ember-nest check") could both match one copied
/// phrase, and a decoy would be counted beside the real canary.
/// </remarks>
public sealed class PhraseCanaryGenerator
{
    /// <summary>The smallest number of decoys allowed.</summary>
    public const int MinimumDecoys = 99;

    /// <summary>
    /// The least edit distance between two candidates of a topic: one more than twice the edit the detector forgives,
    /// so no text is within one edit of two candidates.
    /// </summary>
    public const int MinimumCandidateDistance = 3;

    /// <summary>
    /// The largest number of decoys allowed: a quarter of the slot-word pairs, so the keyed draw, which skips pairs
    /// too near those already taken, always finds enough.
    /// </summary>
    public const int MaximumDecoys = 999;

    private static readonly string[] Adjectives =
    [
        "copper", "amber", "cobalt", "velvet", "granite", "silver", "willow", "saffron", "marble", "cedar",
        "indigo", "crimson", "ivory", "juniper", "obsidian", "pewter", "russet", "sable", "topaz", "umber",
        "walnut", "birch", "coral", "flint", "garnet", "hazel", "jasper", "linen", "maple", "nickel",
        "ochre", "quartz", "slate", "tawny", "verdant", "wicker", "bronze", "cinder", "dusky", "ember",
        "frosted", "golden", "harbor", "iron", "jade", "lilac", "mossy", "pearl", "rustic", "scarlet",
        "teal", "violet", "wheaten", "azure", "brass", "chalk", "driftwood", "emerald", "fern", "glacier",
        "honey", "lunar", "mint", "nutmeg",
    ];

    private static readonly string[] Nouns =
    [
        "lantern", "compass", "anchor", "kettle", "ladder", "harbor", "beacon", "bridge", "candle", "falcon",
        "garden", "hammer", "island", "jigsaw", "kestrel", "lighthouse", "meadow", "needle", "orchard", "pebble",
        "quill", "river", "saddle", "thimble", "umbrella", "valley", "windmill", "acorn", "bellows", "chisel",
        "dovetail", "easel", "fountain", "gable", "hinge", "inkwell", "juggler", "keystone", "loom", "mantle",
        "nest", "otter", "pendulum", "quarry", "rudder", "sparrow", "trellis", "unicorn", "vessel", "wagon",
        "yarrow", "zephyr", "bramble", "cairn", "dune", "ember", "ferry", "glove", "heron", "ivy",
        "jetty", "kiln", "lattice", "magpie",
    ];

    private static readonly string[] Kinds = ["rule", "principle", "method", "heuristic", "test", "check"];

    private static readonly string[] Templates =
    [
        "A handy way to remember this is {0}.",
        "Some practitioners call this approach {0}.",
        "You may see this summed up as {0}.",
        "An easy way to keep this in mind is {0}.",
        "Experienced people sometimes refer to this as {0}.",
        "A useful shorthand for all of this is {0}.",
    ];

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
        int kindIndex = (int)(Draw(seed, "kind", topic, 0) % (ulong)Kinds.Length);
        string kind = Kinds[kindIndex];
        var candidates = new List<string>(_decoys + 1);
        var accepted = new List<(string Text, byte[] Letters)>(_decoys + 1);
        for (int i = 0; candidates.Count < _decoys + 1; i++)
        {
            ulong draw = Draw(seed, "slot", topic, i);
            string adjective = Adjectives[(int)(draw % (ulong)Adjectives.Length)];
            string noun = Nouns[(int)(draw / (ulong)Adjectives.Length % (ulong)Nouns.Length)];
            if (adjective == noun)
            {
                continue;
            }

            // A pair drawn twice is at distance 0 from itself, so this also keeps the candidates distinct.
            string distinctive = adjective + " " + noun;
            byte[] letters = LetterCounts(distinctive);
            if (IsNearAny(distinctive, accepted, letters))
            {
                continue;
            }

            accepted.Add((distinctive, letters));
            candidates.Add($"the {adjective}-{noun} {kind}");
        }

        int realIndex = (int)(Draw(seed, "index", topic, 0) % (ulong)candidates.Count);
        string template = Templates[(int)(Draw(seed, "template", topic, 0) % (ulong)Templates.Length)];
        string sentence = string.Format(CultureInfo.InvariantCulture, template, candidates[realIndex]);
        string commitment = Commit(seed, epoch, topic, realIndex);
        var record = new CanaryRecord(epoch, topic, [.. topicWords], candidates, commitment, _timeProvider.GetUtcNow());
        return new PhraseCanary(epoch, topic, [.. topicWords], candidates, realIndex, sentence, record);
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

    // Candidates share "the " and " {kind}", and stripping a shared prefix and suffix keeps the edit distance, so
    // comparing "adjective noun" (as the detector normalises the hyphen) is comparing the candidates. Most pairs are
    // ruled out by their letter counts alone (the bag distance never exceeds the edit distance), which keeps a
    // topic's 100 candidates at a fraction of a millisecond.
    private static bool IsNearAny(string distinctive, List<(string Text, byte[] Letters)> accepted, byte[] letters)
    {
        foreach ((string other, byte[] otherLetters) in accepted)
        {
            if (BagDistance(letters, otherLetters) < MinimumCandidateDistance
                && EditDistanceBelow(distinctive, other, MinimumCandidateDistance))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] LetterCounts(string text)
    {
        var counts = new byte[27]; // a–z and the space
        foreach (char c in text)
        {
            counts[c is >= 'a' and <= 'z' ? c - 'a' : 26]++;
        }

        return counts;
    }

    private static int BagDistance(byte[] a, byte[] b)
    {
        int surplus = 0, deficit = 0;
        for (int i = 0; i < a.Length; i++)
        {
            int difference = a[i] - b[i];
            if (difference > 0)
            {
                surplus += difference;
            }
            else
            {
                deficit -= difference;
            }
        }

        return Math.Max(surplus, deficit);
    }

    /// <summary>Whether the Levenshtein distance of <paramref name="a"/> and <paramref name="b"/> is below <paramref name="limit"/>.</summary>
    private static bool EditDistanceBelow(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) >= limit)
        {
            return false;
        }

        Span<int> previous = stackalloc int[b.Length + 1];
        Span<int> current = stackalloc int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            int rowMinimum = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j], current[j - 1]) + 1);
                rowMinimum = Math.Min(rowMinimum, current[j]);
            }

            if (rowMinimum >= limit)
            {
                return false; // every path already costs too much
            }

            current.CopyTo(previous);
        }

        return previous[b.Length] < limit;
    }

    private static ulong Draw(byte[] seed, string label, string topic, int counter)
    {
        byte[] mac = HMACSHA256.HashData(seed, Encoding.UTF8.GetBytes($"{label}\n{topic}\n{counter.ToString(CultureInfo.InvariantCulture)}"));
        return BinaryPrimitives.ReadUInt64BigEndian(mac);
    }
}
