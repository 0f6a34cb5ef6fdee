using CanaryService.Application.Proxy.Rewriting;

namespace CanaryService.Application.Tests.Proxy;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Writes_after_release_start_empty_and_keep_everything_written()
    {
        var writer = new PooledBufferWriter<byte>(16);
        byte[] first = [.. Enumerable.Range(0, 5000).Select(i => (byte)i)];
        writer.Write(first);
        Assert.Equal(first, writer.WrittenSpan.ToArray());

        // The stream rewriter gives its output buffer back after every read, then writes the next read's events.
        writer.Release();
        Assert.Equal(0, writer.WrittenCount);
        byte[] second = [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))];
        writer.Write(second.AsSpan(0, 1));
        writer.Write(second.AsSpan(1));
        Assert.Equal(second, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void After_release_the_first_write_rents_as_much_as_the_buffer_had_grown_to()
    {
        var writer = new PooledBufferWriter<byte>(16);
        writer.Write(new byte[5000]);
        writer.Release();

        // One write of one byte: a buffer of the old size comes back, so the read's later writes need not grow it.
        writer.Write([1]);
        Assert.True(writer.GetSpan().Length >= 5000 - 1, $"free space after release and one byte: {writer.GetSpan().Length}");
    }
}
