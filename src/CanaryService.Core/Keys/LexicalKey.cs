using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CanaryService.Core.Keys;

/// <summary>
/// A lexical watermark key: for a context word <c>c</c> and a lexicon group <c>g</c>, the preferred form is
/// <c>g[HMAC-SHA256(K, c ‖ g.id) mod |g|]</c>.
/// </summary>
public sealed class LexicalKey
{
    private readonly byte[] _key;

    internal LexicalKey(string id, byte[] key)
    {
        Id = id;
        _key = key;
    }

    /// <summary>Which key this is: <c>global</c> or <c>account:{accountId}</c>. Safe to log; it is not the secret.</summary>
    public string Id { get; }

    /// <summary>Creates a key from raw bytes (simulations draw random keys this way).</summary>
    public static LexicalKey FromBytes(string id, ReadOnlySpan<byte> key) => new(id, key.ToArray());

    /// <summary>The index of the preferred form of group <paramref name="groupId"/> (of <paramref name="groupSize"/> forms) after <paramref name="context"/>.</summary>
    /// <param name="context">The previous output word, lower-cased, or <c>^</c> at a sentence start.</param>
    /// <param name="groupId">The lexicon group's stable id.</param>
    /// <param name="groupSize">How many forms the group has.</param>
    public int PreferredIndex(ReadOnlySpan<char> context, int groupId, int groupSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 1);
        return WithMessage(context, groupId, groupSize, _key, static (key, message, size) =>
        {
            Span<byte> mac = stackalloc byte[32];
            HMACSHA256.HashData(key, message, mac);
            return Reduce(mac, size);
        });
    }

    /// <summary>
    /// A reusable HMAC state for choosing many forms with this key, for one thread at a time: it skips the per-call
    /// key setup of <see cref="PreferredIndex"/> (the detector scores whole histories with it). Dispose it after use.
    /// </summary>
    public LexicalKeyChooser CreateChooser() => new(this, _key);

    internal delegate int MessageHandler<in TState>(TState state, ReadOnlySpan<byte> message, int groupSize);

    // Builds utf8(context) ‖ 0xFF ‖ be32(groupId) and hands it to the handler: the one message format of the key.
    internal static int WithMessage<TState>(ReadOnlySpan<char> context, int groupId, int groupSize, TState state, MessageHandler<TState> handler)
    {
        int max = Encoding.UTF8.GetMaxByteCount(context.Length) + 5;
        byte[]? rented = null;
        Span<byte> message = max <= 256 ? stackalloc byte[max] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int length = Encoding.UTF8.GetBytes(context, message);
            // A separator byte that UTF-8 text never contains keeps (c, g) pairs unambiguous.
            message[length++] = 0xFF;
            BinaryPrimitives.WriteInt32BigEndian(message[length..], groupId);
            length += 4;
            return handler(state, message[..length], groupSize);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    internal static int Reduce(ReadOnlySpan<byte> mac, int groupSize) =>
        (int)(BinaryPrimitives.ReadUInt64BigEndian(mac) % (ulong)groupSize);

    /// <inheritdoc />
    public override string ToString() => $"LexicalKey({Id})";
}
