using System.Text;
using CanaryService.Reliability.Tests.Hostile;
using CanaryService.Reliability.Tests.Infrastructure;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Reliability.Tests.Faults;

/// <summary>
/// The upstream misbehaves (5xx, silence before and during the answer, a connection cut mid-answer, malformed event
/// streams, undecodable strings, unreachable). For each: what the caller saw, what was recorded in the issuance log,
/// and that the process still serves a normal request that is recorded exactly once.
/// </summary>
[Trait("Category", "Integration")]
[Collection(SharedServiceCollection.Name)]
public sealed class UpstreamFaultTests(ServiceFixture service)
{
    internal const string Prose = "Typically, the first step is to plan carefully. Additionally, many people find that it helps to start small.";

    [Theory]
    [InlineData(500, false)]
    [InlineData(503, true)]
    [InlineData(529, false)]
    public async Task An_upstream_5xx_passes_through_unchanged_and_nothing_is_recorded(int status, bool stream)
    {
        await using var fault = await FaultyUpstream.StartAsync(service);
        string error = "{\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";
        fault.Upstream.Handler = (context, _) => ChatAnswers.WriteJsonAsync(context.Response, status, error);

        Reply reply = await fault.Host.SendAsync(Chat(stream), TimeSpan.FromSeconds(20));

        Assert.Equal(status, reply.Status);
        Assert.Equal(error, reply.Body);
        await fault.AssertRecordedAndAliveAsync(expectedBefore: 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_upstream_silent_past_the_timeout_gives_an_OpenAI_shaped_504(bool stream)
    {
        await using var fault = await FaultyUpstream.StartAsync(service, [new("Upstream:Timeout", "00:00:01")]);
        fault.Upstream.Handler = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);

        Reply reply = await fault.Host.SendAsync(Chat(stream), TimeSpan.FromSeconds(20));

        Assert.Equal(504, reply.Status);
        AnswerShape.AssertOpenAIError(reply);
        Assert.Contains("upstream_timeout", reply.Body, StringComparison.Ordinal);
        await fault.AssertRecordedAndAliveAsync(expectedBefore: 0);
    }

    [Fact]
    public async Task An_upstream_that_falls_silent_mid_stream_is_cut_off_and_what_was_sent_is_recorded()
    {
        await using var fault = await FaultyUpstream.StartAsync(service, [new("Upstream:Timeout", "00:00:02")]);
        fault.Upstream.Handler = async (context, _) =>
        {
            await WriteEventsAsync(context, EchoUpstream.Chunks(System.Text.Json.JsonSerializer.Serialize(Prose)).Take(4));
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };

        (int status, string received, Exception? error) = await ReadStreamAsync(fault.Host, Chat(stream: true));

        Assert.Equal(200, status);
        Assert.NotNull(error); // the connection is reset: the caller can tell the answer is incomplete
        Assert.Contains("\"content\":", received, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", received, StringComparison.Ordinal);
        fault.Host.Record(received);
        // Marked text reached the caller: that response is issued (recorded once).
        await fault.AssertRecordedAndAliveAsync(expectedBefore: 1);
    }

    [Fact]
    public async Task An_upstream_that_closes_mid_stream_resets_the_caller_and_what_was_sent_is_recorded()
    {
        await using var fault = await FaultyUpstream.StartAsync(service);
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fault.Upstream.Handler = async (context, _) =>
        {
            await WriteEventsAsync(context, EchoUpstream.Chunks(System.Text.Json.JsonSerializer.Serialize(Prose)).Take(4));
            await context.Response.Body.WriteAsync("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half"u8.ToArray());
            await context.Response.Body.FlushAsync();
            // Cut the connection once the caller has text (a reset that arrives first discards unread bytes: see the 502 case).
            await delivered.Task.WaitAsync(TimeSpan.FromSeconds(20));
            context.Abort();
        };

        (int status, string received, Exception? error) = await ReadStreamAsync(fault.Host, Chat(stream: true), delivered);

        Assert.Equal(200, status);
        Assert.NotNull(error);
        Assert.DoesNotContain("[DONE]", received, StringComparison.Ordinal);
        Assert.DoesNotContain("half", received, StringComparison.Ordinal); // an incomplete event is never sent on
        fault.Host.Record(received);
        await fault.AssertRecordedAndAliveAsync(expectedBefore: 1);
    }

    [Fact]
    public async Task An_upstream_that_closes_mid_body_gives_a_502_and_nothing_is_recorded()
    {
        await using var fault = await FaultyUpstream.StartAsync(service);
        fault.Upstream.Handler = async (context, _) =>
        {
            byte[] body = Encoding.UTF8.GetBytes(EchoUpstream.Completion(System.Text.Json.JsonSerializer.Serialize(Prose)));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
            await context.Response.Body.FlushAsync();
            context.Abort();
        };

        Reply reply = await fault.Host.SendAsync(Chat(stream: false), TimeSpan.FromSeconds(20));

        Assert.Equal(502, reply.Status);
        AnswerShape.AssertOpenAIError(reply);
        await fault.AssertRecordedAndAliveAsync(expectedBefore: 0);
    }

    [Fact]
    public async Task A_malformed_event_stream_passes_through_byte_for_byte_and_valid_events_around_it_are_marked()
    {
        const string Garbage =
            "data: {not json at all\n\n" +
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":42}}]}\n\n" +
            "data: {\"choices\":\"nope\"}\r\n\r\n" +
            "event: weird\nid: \0\u0001\nretry: x\n\n" +
            ":::::\r\r" +
            "data: [DONE\n\n" +
            "data:\n\n" +
            "no-colon-field\n\n" +
            "data: {\"choices\":[{\"index\":-5,\"delta\":{\"content\":\"neg\"}}]}\n\n" +
            "data: {\"choices\":[{\"index\":99999999999,\"delta\":{\"content\":\"big\"}}]}\n\n";
        await using var fault = await FaultyUpstream.StartAsync(service);
        fault.Upstream.Handler = async (context, _) =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/event-stream";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(Garbage));
            await WriteEventsAsync(context, EchoUpstream.Chunks(System.Text.Json.JsonSerializer.Serialize(Prose)));
            await context.Response.Body.WriteAsync("data: {\"trailing\":\"no blank line\"}"u8.ToArray());
        };

        (int status, string received, Exception? error) = await ReadStreamAsync(fault.Host, Chat(stream: true));
        fault.Host.Record(received);

        Assert.Null(error);
        Assert.Equal(200, status);
        Assert.StartsWith(Garbage[..Garbage.IndexOf("data: {\"choices\":[{\"index\":-5", StringComparison.Ordinal)], received, StringComparison.Ordinal);
        Assert.Contains("data: [DONE]\n\n", received, StringComparison.Ordinal);
        Assert.EndsWith("data: {\"trailing\":\"no blank line\"}", received, StringComparison.Ordinal);
        await fault.AssertRecordedAndAliveAsync(expectedBefore: 1);
    }

    public static TheoryData<string> UnrewritableCompletions => new()
    {
        "truncated",
        "nested_10000",
        "larger_than_the_rewrite_limit",
    };

    [Theory]
    [MemberData(nameof(UnrewritableCompletions))]
    public async Task A_completion_that_cannot_be_rewritten_passes_through_byte_for_byte(string kind)
    {
        string body = kind switch
        {
            "truncated" => "{\"id\":\"x\",\"choices\":[{\"index\":0,\"message\":{\"content\":\"Typically it helps\"}}],\"usage\":{",
            "nested_10000" => "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"Typically it helps\"}}],\"x\":" + HostileCase.Nested('[', ']', 10_000) + "}",
            _ => EchoUpstream.Completion(System.Text.Json.JsonSerializer.Serialize("Typically it helps. " + new string('a', 9 << 20))),
        };
        await using var fault = await FaultyUpstream.StartAsync(service);
        fault.Upstream.Handler = (context, _) => ChatAnswers.WriteJsonAsync(context.Response, 200, body);

        Reply reply = await fault.Host.SendAsync(Chat(stream: false), TimeSpan.FromSeconds(20));

        Assert.Equal(200, reply.Status);
        Assert.Equal(body, reply.Body);
        await fault.AssertRecordedAndAliveAsync(expectedBefore: 0);
    }

    [Fact]
    public async Task A_caller_that_goes_away_mid_stream_leaves_the_process_serving_and_its_issuance_recorded()
    {
        await using var fault = await FaultyUpstream.StartAsync(service);
        var callerGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fault.Upstream.Handler = async (context, _) =>
        {
            List<string> events = [.. EchoUpstream.Chunks(System.Text.Json.JsonSerializer.Serialize(Prose))];
            await WriteEventsAsync(context, events.Take(4));
            await callerGone.Task.WaitAsync(TimeSpan.FromSeconds(20));
            // Keep sending until the proxy notices its caller left and cancels this request (bounded).
            for (int i = 0; i < 200 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await WriteEventsAsync(context, [EchoUpstream.Chunks("\" and more\"").ElementAt(1)]);
                await Task.Delay(10, CancellationToken.None);
            }
        };

        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            HttpResponseMessage response = await fault.Host.Client.SendAsync(Chat(stream: true), HttpCompletionOption.ResponseHeadersRead, cts.Token);
            Stream body = await response.Content.ReadAsStreamAsync(cts.Token);
            var received = new StringBuilder();
            byte[] buffer = new byte[1024];
            while (!System.Text.RegularExpressions.Regex.IsMatch(received.ToString(), "\"content\":\"[^\"]"))
            {
                int read = await body.ReadAsync(buffer, cts.Token);
                Assert.True(read > 0, "the stream ended before any text");
                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }

            fault.Host.Record(received.ToString());
            response.Dispose(); // the caller hangs up
            callerGone.SetResult();
        }

        await fault.AssertRecordedAndAliveAsync(expectedBefore: 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_answer_with_undecodable_strings_passes_through_unmarked(bool stream)
    {
        const string Token = "\"Typically \\ud800 it helps \\udc00\"";
        await using var fault = await FaultyUpstream.StartAsync(service);
        fault.Upstream.Handler = async (context, _) =>
        {
            if (stream)
            {
                await WriteEventsAsync(context, EchoUpstream.Chunks(Token));
            }
            else
            {
                await ChatAnswers.WriteJsonAsync(context.Response, 200, EchoUpstream.Completion(Token));
            }
        };

        Reply reply = await fault.Host.SendAsync(Chat(stream), TimeSpan.FromSeconds(20));

        Assert.Equal(200, reply.Status);
        Assert.Contains(Token[1..^1], reply.Body, StringComparison.Ordinal);
        AnswerShape.AssertAnswer(reply);
        await fault.AssertRecordedAndAliveAsync(expectedBefore: 0);
    }

    [Fact]
    public async Task An_unreachable_upstream_gives_an_OpenAI_shaped_502()
    {
        await using var fault = await FaultyUpstream.StartAsync(service);
        // A port that was just free: nothing listens there.
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(service.Azurite.ConnectionString, new Uri($"http://127.0.0.1:{port}"));

        Reply reply = await host.SendAsync(Chat(stream: false), TimeSpan.FromSeconds(20));

        Assert.Equal(502, reply.Status);
        AnswerShape.AssertOpenAIError(reply);
        await host.FlushIssuanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await host.IssuedResponsesAsync(host.AccountOf("fault")));
    }

    internal static HttpRequestMessage Chat(bool stream, string caller = "fault") =>
        ReliabilityHost.Chat(HostileCase.UserMessage(Prose, stream ? ",\"stream\":true" : ""), caller);

    internal static async Task WriteEventsAsync(HttpContext context, IEnumerable<string> events)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/event-stream";
        }

        foreach (string e in events)
        {
            await context.Response.WriteAsync(e);
            await context.Response.Body.FlushAsync();
        }
    }

    /// <summary>Reads an answer as far as it goes: the status, the text received and the error that ended it, if any.</summary>
    internal static async Task<(int Status, string Received, Exception? Error)> ReadStreamAsync(
        ReliabilityHost host, HttpRequestMessage request, TaskCompletionSource? onText = null)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using (request)
        {
            using HttpResponseMessage response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var received = new MemoryStream();
            try
            {
                await using Stream body = await response.Content.ReadAsStreamAsync(cts.Token);
                byte[] buffer = new byte[4096];
                int read;
                while ((read = await body.ReadAsync(buffer, cts.Token)) > 0)
                {
                    received.Write(buffer, 0, read);
                    if (onText is not null && System.Text.RegularExpressions.Regex.IsMatch(Encoding.UTF8.GetString(received.ToArray()), "\"content\":\"[^\"]"))
                    {
                        onText.TrySetResult();
                    }
                }

                return ((int)response.StatusCode, Encoding.UTF8.GetString(received.ToArray()), null);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                return ((int)response.StatusCode, Encoding.UTF8.GetString(received.ToArray()), ex);
            }
        }
    }
}
