using System.Text;
using System.Text.Json;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Application.Proxy.ServerSentEvents;

namespace CanaryService.Application.Tests.Proxy;

/// <summary>Runs streams through a rewriter and reads events back, for the surfaces' tests.</summary>
internal static class SurfaceStreams
{
    /// <summary>Runs <paramref name="sse"/> through parser and rewriter, its bytes in random slices when a random is given.</summary>
    public static string Run(IStreamRewriter rewriter, string sse, Random? random, int maxSlice = 9)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(sse);
        var parser = new ServerSentEventParser();
        var output = new MemoryStream();
        int start = 0;
        while (start < bytes.Length)
        {
            int length = random is null ? bytes.Length : Math.Min(random.Next(1, maxSlice + 1), bytes.Length - start);
            parser.Feed(bytes.AsSpan(start, length), rewriter);
            output.Write(rewriter.Output.WrittenSpan);
            rewriter.OutputSent();
            start += length;
        }

        parser.Finish(rewriter);
        rewriter.Complete();
        output.Write(rewriter.Output.WrittenSpan);
        rewriter.Release();
        return Encoding.UTF8.GetString(output.ToArray());
    }

    /// <summary>Each event's <c>event:</c> value (or null) and its joined data; line ends read as LF.</summary>
    public static List<(string? Name, string Data)> Events(string sse)
    {
        var events = new List<(string?, string)>();
        foreach (string block in sse.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string[] lines = block.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 0)
            {
                // The LF of a CRLF blank line that the rewriter sends on by itself (see ServerSentEventWriter): no event.
                continue;
            }

            string? name = lines.Where(l => l.StartsWith("event:", StringComparison.Ordinal)).Select(l => l[6..].Trim()).FirstOrDefault();
            string data = string.Join("\n", lines.Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart(' ')));
            events.Add((name, data));
        }

        return events;
    }

    /// <summary>The concatenated string at <paramref name="property"/> of every event whose data has <c>type</c> <paramref name="type"/>.</summary>
    public static string Concat(string sse, string type, string property) => string.Concat(
        Events(sse).Where(e => TypeOf(e.Data) == type).Select(e => Parse(e.Data).GetProperty(property).GetString()));

    /// <summary>The <c>type</c> of an event's data, or null.</summary>
    public static string? TypeOf(string data)
    {
        if (!data.StartsWith('{'))
        {
            return null;
        }

        using JsonDocument document = JsonDocument.Parse(data);
        return document.RootElement.TryGetProperty("type", out JsonElement type) ? type.GetString() : null;
    }

    /// <summary>Parses JSON into a detached element.</summary>
    public static JsonElement Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>The concatenated text a chat or completion stream carries for choice 0 in <paramref name="field"/> (of <c>delta</c>, or of the choice when <paramref name="inDelta"/> is false).</summary>
    public static string ChoiceText(string sse, string field, bool inDelta = true)
    {
        var text = new StringBuilder();
        foreach ((_, string data) in Events(sse))
        {
            if (!data.StartsWith('{'))
            {
                continue;
            }

            foreach (JsonElement choice in Parse(data).GetProperty("choices").EnumerateArray())
            {
                JsonElement holder = inDelta ? choice.GetProperty("delta") : choice;
                if (holder.TryGetProperty(field, out JsonElement value) && value.ValueKind == JsonValueKind.String)
                {
                    text.Append(value.GetString());
                }
            }
        }

        return text.ToString();
    }
}
