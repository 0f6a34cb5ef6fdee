using System.Security.Cryptography;
using System.Text.Unicode;

namespace CanaryService.Core.Keys;

/// <summary>
/// HMAC-SHA256 under one key, its state set up once per thread and reused. The one-shot
/// <see cref="HMACSHA256.HashData(byte[], byte[])"/> sets up a new OpenSSL MAC (fetch, context, key schedule) on every
/// call, which costs more than hashing a short input; on the request path that was as much as the rest of a request's
/// handling in the proxy.
/// </summary>
public sealed class ThreadHmac : IDisposable
{
    // UTF-8 bytes encoded on the stack per piece of text appended.
    private const int ChunkBytes = 512;

    private readonly byte[] _key;
    private readonly ThreadLocal<IncrementalHash> _hash;
    private int _disposed;

    /// <summary>Creates the HMAC under <paramref name="key"/> (copied).</summary>
    public ThreadHmac(ReadOnlySpan<byte> key)
    {
        _key = key.ToArray();
        _hash = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key), trackAllValues: true);
    }

    /// <summary>
    /// This thread's HMAC, empty: append the input, then <see cref="IncrementalHash.GetHashAndReset(Span{byte})"/> leaves
    /// it empty again. Use it on one thread, without an <c>await</c> between the first append and the hash.
    /// </summary>
    public IncrementalHash Begin() => _hash.Value!;

    /// <summary>The MAC of <paramref name="data"/> into <paramref name="mac"/> (32 bytes).</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> mac)
    {
        IncrementalHash hash = Begin();
        hash.AppendData(data);
        hash.GetHashAndReset(mac);
    }

    /// <summary>
    /// Appends the UTF-8 of <paramref name="text"/> without allocating, as <see cref="System.Text.Encoding.UTF8"/> encodes
    /// it (an unpaired surrogate as U+FFFD), so that pieces appended one after another hash as their concatenation would.
    /// </summary>
    public static void AppendUtf8(IncrementalHash hash, ReadOnlySpan<char> text)
    {
        ArgumentNullException.ThrowIfNull(hash);
        Span<byte> buffer = stackalloc byte[ChunkBytes];
        while (!text.IsEmpty)
        {
            Utf8.FromUtf16(text, buffer, out int read, out int written, replaceInvalidSequences: true, isFinalBlock: true);
            hash.AppendData(buffer[..written]);
            text = text[read..];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Owners may be disposed more than once (a container and a test, say): the second time is a no-op.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (IncrementalHash hash in _hash.Values)
        {
            hash.Dispose();
        }

        _hash.Dispose();
    }
}
