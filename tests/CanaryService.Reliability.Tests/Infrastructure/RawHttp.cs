using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CanaryService.Reliability.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 over a plain socket, for requests HttpClient refuses to send (CR or LF inside header values, smuggling
/// attempts, garbage request lines). Reads until the server closes the connection or the time-out.
/// </summary>
internal static class RawHttp
{
    public static async Task<Reply> SendAsync(int port, string head, byte[]? body, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        Task<byte[]> reading = ReadAllAsync(stream, cts.Token);
        try
        {
            // A small request goes in one write, so the server has read all of it when it answers and closes (a
            // close with unread bytes resets the connection, which would discard its answer). Never half-close: the
            // server would take that as the caller going away.
            byte[] headBytes = Encoding.Latin1.GetBytes(head);
            if (body is null || body.Length <= 1 << 20)
            {
                await stream.WriteAsync((byte[])[.. headBytes, .. body ?? []], cts.Token);
            }
            else
            {
                await stream.WriteAsync(headBytes, cts.Token);
                for (int start = 0; start < body.Length && !reading.IsCompleted; start += 64 * 1024)
                {
                    await stream.WriteAsync(body.AsMemory(start, Math.Min(64 * 1024, body.Length - start)), cts.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // The server answered early and closed (e.g. 413 before the whole body arrived): read what it sent.
        }

        byte[] received = await reading;
        return Parse(Encoding.UTF8.GetString(received));
    }

    private static async Task<byte[]> ReadAllAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var all = new MemoryStream();
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                all.Write(buffer, 0, read);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException && all.Length > 0)
        {
            // Reset after the answer: keep what arrived.
        }

        return all.ToArray();
    }

    private static Reply Parse(string text)
    {
        int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string head = headEnd < 0 ? text : text[..headEnd];
        string body = headEnd < 0 ? "" : text[(headEnd + 4)..];
        string[] lines = head.Split("\r\n");
        int status = lines.Length > 0 && lines[0].Split(' ') is [_, var code, ..] && int.TryParse(code, out int parsed) ? parsed : 0;
        string? mediaType = lines.Skip(1)
            .FirstOrDefault(l => l.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))?["Content-Type:".Length..].Split(';')[0].Trim();
        if (lines.Any(l => l.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)))
        {
            body = Dechunk(body);
        }

        return new Reply(status, mediaType, head, body);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        int position = 0;
        while (position < body.Length)
        {
            int lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            if (lineEnd < 0 || !int.TryParse(body.AsSpan(position, lineEnd - position), System.Globalization.NumberStyles.HexNumber, null, out int size) || size == 0)
            {
                break;
            }

            int start = lineEnd + 2;
            result.Append(body, start, Math.Min(size, body.Length - start));
            position = start + size + 2;
        }

        return result.ToString();
    }
}
