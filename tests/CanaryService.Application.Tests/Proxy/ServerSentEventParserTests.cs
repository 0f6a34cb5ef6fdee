using System.Text;
using CanaryService.Application.Proxy.ServerSentEvents;

namespace CanaryService.Application.Tests.Proxy;

public sealed class ServerSentEventParserTests
{
    private const string Stream =
        ": keep-alive comment\r\n\r\n" +
        "event: message\r\nid: 7\r\ndata: {\"a\":\"naïve 😀 café\"}\r\n\r\n" +
        "data: first line\ndata: second line\n\n" +
        "data:no-space\r\r" +
        "event: ping\n\n" +
        "data\n\n" +
        ":\n\n" +
        "data: [DONE]\n\n";

    [Fact]
    public void Parses_fields_comments_multi_line_data_and_every_line_ending()
    {
        List<(string Raw, string Data, int Lines)> events = Parse([Encoding.UTF8.GetBytes(Stream)]);

        Assert.Equal(8, events.Count);
        Assert.Equal((": keep-alive comment\r\n\r\n", "", 0), events[0]);
        Assert.Equal("{\"a\":\"naïve 😀 café\"}", events[1].Data);
        Assert.Equal("event: message\r\nid: 7\r\ndata: {\"a\":\"naïve 😀 café\"}\r\n\r\n", events[1].Raw);
        Assert.Equal(("first line\nsecond line", 2), (events[2].Data, events[2].Lines));
        Assert.Equal(("data:no-space\r\r", "no-space"), (events[3].Raw, events[3].Data));
        Assert.Equal(("event: ping\n\n", "", 0), events[4]);
        Assert.Equal(("data\n\n", "", 1), events[5]);
        Assert.Equal((":\n\n", "", 0), events[6]);
        Assert.Equal("[DONE]", events[7].Data);
    }

    [Fact]
    public void Any_split_of_the_bytes_gives_the_same_events_and_the_same_bytes()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Stream);
        (string, string) whole = Summary(Parse([bytes]));

        for (int cut = 1; cut < bytes.Length; cut++)
        {
            Assert.Equal(whole, Summary(Parse([bytes[..cut], bytes[cut..]])));
        }

        var random = new Random(17);
        for (int run = 0; run < 200; run++)
        {
            var pieces = new List<byte[]>();
            int start = 0;
            while (start < bytes.Length)
            {
                int length = Math.Min(random.Next(1, 6), bytes.Length - start);
                pieces.Add(bytes[start..(start + length)]);
                start += length;
            }

            Assert.Equal(whole, Summary(Parse(pieces)));
        }
    }

    /// <summary>All raw bytes in order and the data of each event: a split may move the LF of a CRLF blank line into the next event's raw bytes, nothing else.</summary>
    private static (string Raw, string Data) Summary(List<(string Raw, string Data, int Lines)> events) =>
        (string.Concat(events.Select(e => e.Raw)), string.Join("|", events.Select(e => e.Data + "/" + e.Lines)));

    [Fact]
    public void A_lone_carriage_return_at_the_end_of_a_read_is_one_line_end_with_a_following_line_feed()
    {
        List<(string Raw, string Data, int Lines)> events = Parse([Encoding.UTF8.GetBytes("data: x\r"), Encoding.UTF8.GetBytes("\n\r"), Encoding.UTF8.GetBytes("\ndata: y\n\n")]);

        Assert.Equal(["x", "y"], events.Select(e => e.Data));
        Assert.Equal("data: x\r\n\r\ndata: y\n\n", string.Concat(events.Select(e => e.Raw)));
    }

    [Fact]
    public void An_event_cut_off_at_the_end_is_still_handed_on()
    {
        var sink = new Collector();
        var parser = new ServerSentEventParser();
        parser.Feed(Encoding.UTF8.GetBytes("data: a\n\ndata: tail"), sink);
        Assert.Single(sink.Events);
        Assert.Equal(10, parser.PendingBytes);

        parser.Finish(sink);

        Assert.Equal(["a", "tail"], sink.Events.Select(e => e.Data));
        Assert.Equal(0, parser.PendingBytes);
    }

    [Fact]
    public void A_read_that_completes_a_carried_event_keeps_only_its_own_incomplete_tail()
    {
        // Under load nearly every read ends inside an event; the next read completes it and brings many more.
        var sink = new Collector();
        var parser = new ServerSentEventParser();
        parser.Feed(Encoding.UTF8.GetBytes("data: {\"n\":0,\"te"), sink);
        string many = string.Concat(Enumerable.Range(1, 200).Select(i => $"data: {{\"n\":{i}}}\r\n\r\n"));
        parser.Feed(Encoding.UTF8.GetBytes("xt\":\"a\"}\r\n\r\n" + many + "data: {\"n\":201"), sink);

        Assert.Equal(201, sink.Events.Count);
        Assert.Equal("{\"n\":0,\"text\":\"a\"}", sink.Events[0].Data);
        Assert.Equal("{\"n\":200}", sink.Events[200].Data);
        Assert.Equal("data: {\"n\":201".Length, parser.PendingBytes);
        Assert.True(CarryOverAllocation(many) < 1024, "the read's events were copied into the pending buffer");

        parser.Feed(Encoding.UTF8.GetBytes("}\r"), sink);
        parser.Feed(Encoding.UTF8.GetBytes("\n\r\ndata: {\"n\":202}\r\n\r\n"), sink);
        Assert.Equal(["{\"n\":201}", "{\"n\":202}"], sink.Events.Skip(201).Select(e => e.Data));
        Assert.Equal(0, parser.PendingBytes);
        Assert.Equal(
            "data: {\"n\":0,\"text\":\"a\"}\r\n\r\n" + many + "data: {\"n\":201}\r\n\r\ndata: {\"n\":202}\r\n\r\n",
            string.Concat(sink.Events.Select(e => e.Raw)));
    }

    [Fact]
    public void Events_a_sink_takes_count_as_handed_on_and_parsing_goes_on_after_them()
    {
        // The sink takes every "data: t\n\n" offered at an event's start; the others, and one split across reads, reach OnEvent.
        var sink = new TakingCollector("data: t\n\n"u8.ToArray());
        var parser = new ServerSentEventParser();
        parser.Feed(Encoding.UTF8.GetBytes("data: t\n\ndata: t\n\ndata: a\n\ndata: t\n\ndata: t"), sink);
        parser.Feed(Encoding.UTF8.GetBytes("\n\ndata: b\r\n\r\ndata: t\n\n"), sink);
        parser.Finish(sink);

        Assert.Equal(4, sink.Taken);
        Assert.Equal(["a", "t", "b"], sink.Events.Select(e => e.Data));
        Assert.Equal(0, parser.PendingBytes);
    }

    /// <summary>Bytes the parser allocates for a read of ~5 KB that completes a carried event (the sink allocates nothing).</summary>
    private static long CarryOverAllocation(string many)
    {
        byte[] first = Encoding.UTF8.GetBytes("data: {\"n\":0,\"te");
        byte[] second = Encoding.UTF8.GetBytes("xt\":\"a\"}\r\n\r\n" + many + "data: {\"n\":201");
        var sink = new Counter();
        long allocated = long.MaxValue;
        for (int attempt = 0; attempt < 3; attempt++) // the first attempt also pays for compiling the code
        {
            var parser = new ServerSentEventParser();
            parser.Feed(first, sink);
            long before = GC.GetAllocatedBytesForCurrentThread();
            parser.Feed(second, sink);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(3 * 201, sink.Events);
        return allocated;
    }

    private static List<(string Raw, string Data, int Lines)> Parse(IEnumerable<byte[]> pieces)
    {
        var sink = new Collector();
        var parser = new ServerSentEventParser();
        foreach (byte[] piece in pieces)
        {
            parser.Feed(piece, sink);
        }

        parser.Finish(sink);
        return sink.Events;
    }

    private sealed class Counter : IServerSentEventSink
    {
        public int Events { get; private set; }

        public void OnEvent(in ServerSentEvent serverSentEvent) => Events++;
    }

    private sealed class Collector : IServerSentEventSink
    {
        public List<(string Raw, string Data, int Lines)> Events { get; } = [];

        public void OnEvent(in ServerSentEvent serverSentEvent) =>
            Events.Add((Encoding.UTF8.GetString(serverSentEvent.Raw), Encoding.UTF8.GetString(serverSentEvent.Data), serverSentEvent.DataLines));
    }

    /// <summary>Takes each whole copy of one event offered to it; collects the rest.</summary>
    private sealed class TakingCollector(byte[] taken) : IServerSentEventSink
    {
        public List<(string Raw, string Data, int Lines)> Events { get; } = [];

        public int Taken { get; private set; }

        public void OnEvent(in ServerSentEvent serverSentEvent) =>
            Events.Add((Encoding.UTF8.GetString(serverSentEvent.Raw), Encoding.UTF8.GetString(serverSentEvent.Data), serverSentEvent.DataLines));

        public int TakeEvents(ReadOnlySpan<byte> bytes)
        {
            int length = 0;
            while (bytes[length..].StartsWith(taken))
            {
                length += taken.Length;
                Taken++;
            }

            return length;
        }
    }
}
