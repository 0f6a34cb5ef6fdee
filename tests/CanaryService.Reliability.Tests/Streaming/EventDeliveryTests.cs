using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CanaryService.Reliability.Tests.Faults;
using CanaryService.Reliability.Tests.Infrastructure;

namespace CanaryService.Reliability.Tests.Streaming;

/// <summary>A streamed answer is not held in the proxy: each event reaches the caller before the upstream sends the next.</summary>
[Trait("Category", "Integration")]
[Collection(SharedServiceCollection.Name)]
public sealed class EventDeliveryTests(ServiceFixture service)
{
    [Fact]
    public async Task Each_event_reaches_the_caller_before_the_upstream_sends_the_next()
    {
        await using var fault = await FaultyUpstream.StartAsync(service);
        int received = 0; // complete events the caller has read
        var stalled = new List<int>();
        List<string> events = [.. EchoUpstream.Chunks(JsonSerializer.Serialize(UpstreamFaultTests.Prose))];
        int finish = events.FindIndex(e => e.Contains("\"finish_reason\":\"stop\"", StringComparison.Ordinal));
        fault.Upstream.Handler = async (context, _) =>
        {
            for (int sent = 1; sent <= events.Count; sent++)
            {
                await UpstreamFaultTests.WriteEventsAsync(context, [events[sent - 1]]);

                // Up to the finish chunk (which the held-back text precedes as an event of its own), the upstream goes on
                // only once the caller holds every event sent so far.
                bool wait = sent <= finish;
                var waited = Stopwatch.StartNew();
                while (wait && Volatile.Read(ref received) < sent && waited.Elapsed < TimeSpan.FromSeconds(5))
                {
                    await Task.Delay(5, context.RequestAborted);
                }

                if (wait && Volatile.Read(ref received) < sent)
                {
                    lock (stalled)
                    {
                        stalled.Add(sent);
                    }
                }
            }
        };

        using HttpRequestMessage request = UpstreamFaultTests.Chat(stream: true);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using HttpResponseMessage response = await fault.Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        await using Stream body = await response.Content.ReadAsStreamAsync(cts.Token);
        var text = new StringBuilder();
        byte[] buffer = new byte[4096];
        int read;
        while ((read = await body.ReadAsync(buffer, cts.Token)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            Volatile.Write(ref received, text.ToString().Split("\n\n").Length - 1);
        }

        Assert.True(finish > 10, $"the answer has {finish} events before its finish chunk");
        Assert.Empty(stalled); // no event waited in the proxy for a later one
        Assert.EndsWith("data: [DONE]\n\n", text.ToString(), StringComparison.Ordinal);
        fault.Host.Record(text.ToString());
    }
}
