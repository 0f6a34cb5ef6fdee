using System.Security.Cryptography;

namespace CanaryService.Core.Keys;

/// <summary>
/// Chooses preferred forms with one <see cref="LexicalKey"/> through a reused HMAC state: the same results as
/// <see cref="LexicalKey.PreferredIndex"/>, several times faster in bulk. Not thread-safe; dispose after use.
/// </summary>
public sealed class LexicalKeyChooser : IDisposable
{
    private readonly IncrementalHash _hmac;

    internal LexicalKeyChooser(LexicalKey key, byte[] secret)
    {
        Key = key;
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
    }

    /// <summary>The key this chooser uses.</summary>
    public LexicalKey Key { get; }

    /// <summary>The index of the preferred form, as <see cref="LexicalKey.PreferredIndex"/>.</summary>
    public int PreferredIndex(ReadOnlySpan<char> context, int groupId, int groupSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 1);
        return LexicalKey.WithMessage(context, groupId, groupSize, _hmac, static (hmac, message, size) =>
        {
            hmac.AppendData(message);
            Span<byte> mac = stackalloc byte[32];
            hmac.GetHashAndReset(mac);
            return LexicalKey.Reduce(mac, size);
        });
    }

    /// <inheritdoc />
    public void Dispose() => _hmac.Dispose();
}
