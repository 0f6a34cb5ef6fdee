using System.Text;
using CanaryService.Application.Proxy.ServerSentEvents;

namespace CanaryService.Reliability.Tests.Fuzz;

/// <summary>
/// Seeded fuzzing of the SSE parser: random event streams (every line ending, multi-line data, comments, other
/// fields, lines without a colon, multi-byte UTF-8) and random garbage, fed whole and in random byte splits. It never
/// throws, hands on every byte exactly once, and finds the same data as an independent reference parser.
/// </summary>
public sealed class ServerSentEventParserFuzzTests
{
    private static readonly string[] Endings = ["\n", "\r\n", "\r"];
    private static readonly string[] Values = ["", " ", "x", "{\"a\":1}", "[DONE]", "naïve 😀 café", ": colon", "data: nested", "\t tab", "日本語テキスト", "\u00e9\u0301"];

    [Fact]
    public void Random_event_streams_parse_the_same_whole_and_in_any_split()
    {
        var random = new Random(20261201);
        for (int run = 0; run < 2000; run++)
        {
            byte[] bytes = RandomStream(random);
            List<(string Data, int Lines)> expected = Reference(bytes);
            AssertAgrees(bytes, Parse(bytes, [bytes.Length]), expected, $"run {run}, whole");
            for (int split = 0; split < 3; split++)
            {
                AssertAgrees(bytes, Parse(bytes, RandomCuts(random, bytes.Length)), expected, $"run {run}, split {split}");
            }
        }
    }

    [Fact]
    public void Random_garbage_never_throws_and_every_byte_comes_out_once()
    {
        var random = new Random(977);
        for (int run = 0; run < 2000; run++)
        {
            byte[] bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            // Bias towards the bytes that matter to the parser.
            for (int i = 0; i < bytes.Length; i++)
            {
                if (random.Next(4) == 0)
                {
                    bytes[i] = "\r\n:d \n\r"u8[random.Next(7)];
                }
            }

            List<(string Data, int Lines)> expected = Reference(bytes);
            AssertAgrees(bytes, Parse(bytes, RandomCuts(random, bytes.Length)), expected, $"garbage run {run}");
            AssertAgrees(bytes, Parse(bytes, [bytes.Length]), expected, $"garbage run {run}, whole");
        }
    }

    private static void AssertAgrees(byte[] input, Sink sink, List<(string Data, int Lines)> expected, string where)
    {
        Assert.True(input.AsSpan().SequenceEqual(sink.Raw.ToArray()), $"{where}: the raw bytes handed on differ from the input");
        List<(string Data, int Lines)> actual = sink.Events.Where(e => e.Lines > 0).ToList();
        Assert.True(expected.SequenceEqual(actual), $"{where}: data differ\nexpected {Show(expected)}\nactual   {Show(actual)}\ninput {Show(input)}");
    }

    private static string Show(List<(string Data, int Lines)> events) => string.Join(" | ", events.Select(e => $"{e.Lines}:{Escape(e.Data)}"));

    private static string Show(byte[] bytes) => Escape(Encoding.UTF8.GetString(bytes));

    private static string Escape(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static Sink Parse(byte[] bytes, IReadOnlyList<int> cuts)
    {
        var parser = new ServerSentEventParser();
        var sink = new Sink();
        int start = 0;
        foreach (int cut in cuts)
        {
            parser.Feed(bytes.AsSpan(start, cut - start), sink);
            start = cut;
        }

        parser.Finish(sink);
        return sink;
    }

    private static List<int> RandomCuts(Random random, int length)
    {
        var cuts = new List<int>();
        int position = 0;
        while (position < length)
        {
            position = Math.Min(length, position + (random.Next(3) == 0 ? 1 : random.Next(1, 40)));
            cuts.Add(position);
        }

        if (cuts.Count == 0)
        {
            cuts.Add(0);
        }

        return cuts;
    }

    private static byte[] RandomStream(Random random)
    {
        var text = new StringBuilder();
        int events = random.Next(0, 8);
        for (int e = 0; e < events; e++)
        {
            int lines = random.Next(1, 5);
            for (int l = 0; l < lines; l++)
            {
                string value = Values[random.Next(Values.Length)];
                text.Append(random.Next(7) switch
                {
                    0 => ": " + value,
                    1 => "event: " + value,
                    2 => "id: 7",
                    3 => "data:" + value,
                    4 => "nocolon",
                    _ => "data: " + value,
                });
                text.Append(Endings[random.Next(3)]);
            }

            text.Append(Endings[random.Next(3)]);
        }

        if (random.Next(3) == 0)
        {
            text.Append("data: cut off");
            if (random.Next(2) == 0)
            {
                text.Append(Endings[random.Next(3)]);
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>
    /// The SSE specification's line rules, written independently: lines end at CRLF, LF or CR; a blank line ends an
    /// event; <c>data</c> values (one leading space removed) join with LF; an unterminated last event still counts.
    /// </summary>
    private static List<(string Data, int Lines)> Reference(byte[] bytes)
    {
        var events = new List<(string, int)>();
        var data = new List<byte[]>();
        bool pending = false;
        int i = 0;
        while (i < bytes.Length)
        {
            int end = i;
            while (end < bytes.Length && bytes[end] != '\r' && bytes[end] != '\n')
            {
                end++;
            }

            byte[] line = bytes[i..end];
            i = end < bytes.Length && bytes[end] == '\r' && end + 1 < bytes.Length && bytes[end + 1] == '\n' ? end + 2 : end + 1;
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    events.Add((Join(data), data.Count));
                }

                data.Clear();
                pending = false;
                continue;
            }

            pending = true;
            if (line[0] == ':')
            {
                continue;
            }

            int colon = Array.IndexOf(line, (byte)':');
            byte[] field = colon < 0 ? line : line[..colon];
            if (!field.AsSpan().SequenceEqual("data"u8))
            {
                continue;
            }

            byte[] value = colon < 0 ? [] : line[(colon + 1)..];
            data.Add(value.Length > 0 && value[0] == ' ' ? value[1..] : value);
        }

        if (pending && data.Count > 0)
        {
            events.Add((Join(data), data.Count));
        }

        return events;
    }

    private static string Join(List<byte[]> values)
    {
        var all = new List<byte>();
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                all.Add((byte)'\n');
            }

            all.AddRange(values[i]);
        }

        return Encoding.UTF8.GetString([.. all]);
    }

    private sealed class Sink : IServerSentEventSink
    {
        public MemoryStream Raw { get; } = new();

        public List<(string Data, int Lines)> Events { get; } = [];

        public void OnEvent(in ServerSentEvent serverSentEvent)
        {
            Raw.Write(serverSentEvent.Raw);
            Events.Add((Encoding.UTF8.GetString(serverSentEvent.Data), serverSentEvent.DataLines));
        }
    }
}
