using System.Buffers;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// A growable buffer over <see cref="ArrayPool{T}.Shared"/> (bytes for the rewriters' output, characters for decoded text). The stream rewriter's output uses it because a fast
/// upstream's events coalesce into reads of tens of kilobytes: an <see cref="ArrayBufferWriter{T}"/> per response grew
/// (allocating, zeroing and copying) to that size on every streamed answer.
/// </summary>
internal sealed class PooledBufferWriter<T> : IBufferWriter<T>
{
    private T[] _buffer;
    private int _written;
    private int _capacity; // what the next rent asks for once the buffer was given back

    public PooledBufferWriter(int initialCapacity)
    {
        _buffer = ArrayPool<T>.Shared.Rent(initialCapacity);
        _capacity = _buffer.Length;
    }

    public int WrittenCount => _written;

    public ReadOnlyMemory<T> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<T> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>
    /// Appends <paramref name="values"/>. An instance method, so the rewriters' many small writes bind here rather than to
    /// the <c>IBufferWriter</c> extension, which makes two interface calls per write.
    /// </summary>
    public void Write(scoped ReadOnlySpan<T> values)
    {
        if (values.Length > _buffer.Length - _written)
        {
            Ensure(values.Length);
        }

        values.CopyTo(_buffer.AsSpan(_written));
        _written += values.Length;
    }

    /// <summary>Empties the buffer, keeping its memory.</summary>
    public void ResetWrittenCount() => _written = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<T> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<T> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>
    /// Empties the buffer and gives its memory back to the pool. A later write rents a buffer of the same size again
    /// (most likely the same array, from the pool's per-thread cache).
    /// </summary>
    public void Release()
    {
        T[] buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            _capacity = buffer.Length;
            ArrayPool<T>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        int needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        T[] larger = ArrayPool<T>.Shared.Rent(Math.Max(needed, Math.Max(_buffer.Length * 2, _capacity)));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        T[] old = _buffer;
        _buffer = larger;
        if (old.Length > 0)
        {
            ArrayPool<T>.Shared.Return(old);
        }
    }
}
