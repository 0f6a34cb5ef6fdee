using System.Security.Cryptography;

namespace CanaryService.Core.Keys;

/// <summary>
/// HMAC-SHA256 under one key, its state set up once per thread and reused. The one-shot
/// <see cref="HMACSHA256.HashData(byte[], byte[])"/> sets up a new OpenSSL MAC (fetch, context, key schedule) on every
/// call, which costs more than hashing a short input; on the request path that was as much as the rest of a request's
/// handling in the proxy. Callers write their whole input first and hand it over at once: each append is a native call.
/// </summary>
public sealed class ThreadHmac : IDisposable
{
    private readonly byte[] _key;
    private readonly ThreadLocal<IncrementalHash> _hash;
    private int _disposed;

    /// <summary>Creates the HMAC under <paramref name="key"/> (copied).</summary>
    public ThreadHmac(ReadOnlySpan<byte> key)
    {
        _key = key.ToArray();
        _hash = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key), trackAllValues: true);
    }

    /// <summary>The MAC of <paramref name="data"/> into <paramref name="mac"/> (32 bytes).</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> mac)
    {
        IncrementalHash hash = _hash.Value!; // one call, one thread: nothing else can use this state meanwhile
        hash.AppendData(data);
        hash.GetHashAndReset(mac);
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
