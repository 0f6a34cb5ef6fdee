using System.Buffers;
using System.Text.Json;
using CanaryService.Core.Probing;

namespace CanaryService.Storage.Transcripts;

/// <summary>
/// The stored form of a transcript: JSON lines (UTF-8, <c>\n</c> after each line). The first line is a header
/// (<c>{"transcript":1,"competitor":…,"runId":…,"startedAt":…,"exchanges":N}</c>), then one line per exchange
/// (<c>{"kind","epoch","topic","prompt","answer","error","at"}</c>, and for replays <c>"account","form"</c>). The same transcript always gives the
/// same bytes, so it always gets the same name.
/// </summary>
public static class TranscriptFormat
{
    /// <summary>The content type transcripts are stored with.</summary>
    public const string ContentType = "application/x-ndjson";

    /// <summary>Renders <paramref name="transcript"/> as JSON lines.</summary>
    public static byte[] Serialize(Transcript transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("transcript", 1);
            json.WriteString("competitor", transcript.Competitor);
            json.WriteString("runId", transcript.RunId);
            json.WriteString("startedAt", transcript.StartedAt);
            json.WriteNumber("exchanges", transcript.Exchanges.Count);
            json.WriteEndObject();
            json.Flush();
            NewLine(buffer);
            foreach (ProbeExchange exchange in transcript.Exchanges)
            {
                json.Reset();
                json.WriteStartObject();
                json.WriteString("kind", exchange.Kind);
                json.WriteString("epoch", exchange.Epoch);
                json.WriteString("topic", exchange.Topic);
                json.WriteString("prompt", exchange.Prompt);
                json.WriteString("answer", exchange.Answer);
                json.WriteString("error", exchange.Error);
                json.WriteString("at", exchange.At);
                // Only replays carry these, so every other exchange keeps the bytes (and names) it always had.
                if (exchange.Account is not null || exchange.Form is not null)
                {
                    json.WriteString("account", exchange.Account);
                    json.WriteString("form", exchange.Form);
                }

                json.WriteEndObject();
                json.Flush();
                NewLine(buffer);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses JSON lines written by <see cref="Serialize"/>.</summary>
    /// <exception cref="InvalidDataException">The content is not a transcript.</exception>
    public static Transcript Parse(ReadOnlyMemory<byte> content)
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        ReadOnlyMemory<byte> rest = content;
        while (!rest.IsEmpty)
        {
            int end = rest.Span.IndexOf((byte)'\n');
            ReadOnlyMemory<byte> line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (!line.IsEmpty)
            {
                lines.Add(line);
            }
        }

        try
        {
            if (lines.Count == 0)
            {
                throw new InvalidDataException("The transcript is empty.");
            }

            using JsonDocument header = JsonDocument.Parse(lines[0]);
            JsonElement h = header.RootElement;
            if (!h.TryGetProperty("transcript", out JsonElement version) || version.GetInt32() != 1)
            {
                throw new InvalidDataException("The first line is not a version 1 transcript header.");
            }

            var exchanges = new List<ProbeExchange>(lines.Count - 1);
            foreach (ReadOnlyMemory<byte> line in lines.Skip(1))
            {
                using JsonDocument document = JsonDocument.Parse(line);
                JsonElement e = document.RootElement;
                exchanges.Add(new ProbeExchange(
                    e.GetProperty("kind").GetString() ?? "",
                    e.GetProperty("epoch").GetString(),
                    e.GetProperty("topic").GetString(),
                    e.GetProperty("prompt").GetString() ?? "",
                    e.GetProperty("answer").GetString(),
                    e.GetProperty("error").GetString(),
                    e.GetProperty("at").GetDateTimeOffset(),
                    e.TryGetProperty("account", out JsonElement account) ? account.GetString() : null,
                    e.TryGetProperty("form", out JsonElement form) ? form.GetString() : null));
            }

            return new Transcript(
                h.GetProperty("competitor").GetString() ?? "",
                h.GetProperty("runId").GetString() ?? "",
                h.GetProperty("startedAt").GetDateTimeOffset(),
                exchanges);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException("The content is not a valid transcript: " + ex.Message, ex);
        }
    }

    private static void NewLine(ArrayBufferWriter<byte> buffer)
    {
        buffer.GetSpan(1)[0] = (byte)'\n';
        buffer.Advance(1);
    }
}
