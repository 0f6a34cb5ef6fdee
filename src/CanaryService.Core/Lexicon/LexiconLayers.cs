using System.Buffers.Binary;
using System.Security.Cryptography;
using CanaryService.Core.Keys;

namespace CanaryService.Core.Lexicon;

/// <summary>
/// Splits the lexicon's groups into two secret halves: one keyed by the global key ("was it us?"), the other
/// by the account key ("which account leaked?"). The split is a keyed ranking of the group ids, so it is stable
/// for a master key and unknowable without it.
/// </summary>
public sealed class LexiconLayers
{
    private readonly bool[] _global;

    private LexiconLayers(bool[] global) => _global = global;

    /// <summary>Splits <paramref name="lexicon"/> with the key ring's layer seed.</summary>
    public static LexiconLayers Create(CanaryLexicon lexicon, CanaryKeyRing keyRing)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        return Create(lexicon, keyRing.LayerSeed);
    }

    /// <summary>
    /// Splits <paramref name="lexicon"/> with a layer seed: exactly half (rounded up) of the word groups are global; each
    /// markup group is global or not by a keyed coin of its own, so adding one leaves the word groups' split as it was.
    /// </summary>
    public static LexiconLayers Create(CanaryLexicon lexicon, ReadOnlySpan<byte> layerSeed)
    {
        ArgumentNullException.ThrowIfNull(lexicon);
        var groups = lexicon.Groups;
        var ranks = new List<(ulong Rank, int Index)>(groups.Length);
        var global = new bool[groups.Length];
        Span<byte> id = stackalloc byte[4];
        Span<byte> mac = stackalloc byte[32];
        for (int i = 0; i < groups.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(id, groups[i].Id);
            HMACSHA256.HashData(layerSeed, id, mac);
            ulong rank = BinaryPrimitives.ReadUInt64BigEndian(mac);
            if (groups[i].IsMarkup)
            {
                global[i] = rank >> 63 == 0;
            }
            else
            {
                ranks.Add((rank, i));
            }
        }

        ranks.Sort();
        for (int i = 0; i < (ranks.Count + 1) / 2; i++)
        {
            global[ranks[i].Index] = true;
        }

        return new LexiconLayers(global);
    }

    /// <summary>True when the group (by <see cref="LexiconGroup.Index"/>) is keyed by the global key; false for the account key.</summary>
    public bool IsGlobal(int groupIndex) => _global[groupIndex];

    /// <summary>How many groups are keyed globally.</summary>
    public int GlobalCount => _global.Count(static g => g);
}
