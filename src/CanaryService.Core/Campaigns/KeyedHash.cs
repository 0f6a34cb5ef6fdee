using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CanaryService.Core.Campaigns;

/// <summary>
/// A keyed 64-bit hash of text for sketches: stable across processes (so instances' sketches merge) and keyed with a
/// secret (so a stored hash cannot be matched against guessed prompts without the key). Not a MAC: only a sketch key.
/// </summary>
public sealed class KeyedHash
{
    private readonly ulong _seed;

    /// <summary>Creates the hash keyed by the first 8 bytes of SHA-256(<paramref name="key"/>).</summary>
    public KeyedHash(ReadOnlySpan<byte> key)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(key, digest);
        _seed = BinaryPrimitives.ReadUInt64LittleEndian(digest);
    }

    /// <summary>The hash of <paramref name="text"/> lower-cased (ASCII and Unicode letters alike).</summary>
    public ulong Of(ReadOnlySpan<char> text) => Of(text, 0);

    /// <summary>The hash of <paramref name="text"/> lower-cased, in the family member <paramref name="salt"/>.</summary>
    public ulong Of(ReadOnlySpan<char> text, ulong salt)
    {
        // FNV-1a over the lower-cased UTF-16 units, started from the secret seed, then SplitMix64's finaliser.
        ulong h = 14695981039346656037UL ^ _seed ^ (salt * 0x9E3779B97F4A7C15UL);
        foreach (char c in text)
        {
            h = (h ^ char.ToLowerInvariant(c)) * 1099511628211UL;
        }

        return Mix(h);
    }

    /// <summary>Combines two hashes (order matters).</summary>
    public static ulong Combine(ulong first, ulong second) => Mix(first * 31 + second + 0x9E3779B97F4A7C15UL);

    /// <summary>SplitMix64's finaliser: a bijection that spreads every input bit over the output.</summary>
    public static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9UL;
        value = (value ^ (value >> 27)) * 0x94d049bb133111ebUL;
        return value ^ (value >> 31);
    }
}
