using System.Buffers;

namespace CanaryService.Application.Proxy;

/// <summary>
/// Growing and giving back the per-answer buffers of the stream parser and rewriter, rented from
/// <see cref="ArrayPool{T}.Shared"/>: under load a fresh array per answer is memory no cache has seen (and the GC must
/// collect), while a rented one was most likely just used on the same core.
/// </summary>
internal static class PooledArray
{
    /// <summary>Replaces <paramref name="buffer"/> with a rented one of at least <paramref name="needed"/> elements, keeping its first <paramref name="keep"/>.</summary>
    public static void Grow<T>(ref T[] buffer, int keep, int needed, int minimum = 256)
    {
        T[] larger = ArrayPool<T>.Shared.Rent(Math.Max(needed, Math.Max(buffer.Length * 2, minimum)));
        buffer.AsSpan(0, keep).CopyTo(larger);
        Return(ref buffer);
        buffer = larger;
    }

    /// <summary>Gives a rented buffer back (an empty one is not rented) and leaves an empty one in its place.</summary>
    public static void Return<T>(ref T[] buffer)
    {
        if (buffer.Length > 0)
        {
            ArrayPool<T>.Shared.Return(buffer);
            buffer = [];
        }
    }
}
