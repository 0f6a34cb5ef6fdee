using System.Buffers;

namespace CanaryService.Application.Proxy.ServerSentEvents;

/// <summary>Writes a server-sent event again with new data, every other line (<c>event:</c>, <c>id:</c>, comments) as it came.</summary>
internal static class ServerSentEventWriter
{
    /// <summary>Writes the event with new data: its other lines as they were, the data as one <c>data:</c> line per JSON line.</summary>
    public static void WriteEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> raw, ReadOnlySpan<byte> data)
    {
        bool dataWritten = false;
        ReadOnlySpan<byte> rest = raw;
        if (!rest.IsEmpty && rest[0] == (byte)'\n')
        {
            // The LF of a CRLF split across reads: the parser ended the previous event at its CR and carried the LF
            // over. It belongs to the previous event's line end; send it on so the framing stays byte for byte.
            output.Write("\n"u8);
            rest = rest[1..];
        }

        while (!rest.IsEmpty)
        {
            int end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            int next = end < 0 ? rest.Length : end + 1;
            if (end >= 0 && rest[end] == (byte)'\r' && next < rest.Length && rest[next] == (byte)'\n')
            {
                next++;
            }

            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
            ReadOnlySpan<byte> lineWithEnd = rest[..next];
            rest = rest[next..];
            if (line.IsEmpty)
            {
                continue;
            }

            if (!IsDataLine(line))
            {
                output.Write(lineWithEnd);
                continue;
            }

            if (dataWritten)
            {
                continue;
            }

            dataWritten = true;
            ReadOnlySpan<byte> remaining = data;
            while (true)
            {
                int newline = remaining.IndexOf((byte)'\n');
                output.Write("data: "u8);
                output.Write(newline < 0 ? remaining : remaining[..newline]);
                output.Write("\n"u8);
                if (newline < 0)
                {
                    break;
                }

                remaining = remaining[(newline + 1)..];
            }
        }

        output.Write("\n"u8);
    }

    private static bool IsDataLine(ReadOnlySpan<byte> line) =>
        line.StartsWith("data"u8) && (line.Length == 4 || line[4] == (byte)':');
}
