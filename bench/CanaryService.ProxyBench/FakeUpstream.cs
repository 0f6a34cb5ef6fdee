using System.Buffers;
using System.Globalization;

namespace CanaryService.ProxyBench;

/// <summary>
/// A fake OpenAI upstream for load tests. <c>POST .../chat/completions</c> (any POST path but the one below) answers
/// <see cref="BenchAnswer"/> as a chat completion, and <c>POST .../responses</c> as a Responses API response: JSON, or SSE
/// when the body asks for <c>"stream":true</c>, one flush per event. A request header <c>x-bench-delta-delay-ms</c> paces
/// <see cref="PacedEvents"/> events from the one before the first delta (for first-byte measurements: a proxy that held
/// a delta back until the next one came would show a whole delay more); without it, and after those, events go out back
/// to back. Answers are pre-encoded so the upstream costs as little CPU as possible on the shared cores.
/// </summary>
internal static class FakeUpstream
{
    private const int PacedEvents = 4;

    private static readonly byte[] StreamTrue = "\"stream\":true"u8.ToArray();

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        app.MapPost("/{**path}", AnswerAsync);
        await app.RunAsync();
        return 0;
    }

    private static async Task AnswerAsync(HttpContext context)
    {
        bool stream = await AsksForStreamAsync(context.Request);
        bool responses = context.Request.Path.Value?.EndsWith("/responses", StringComparison.Ordinal) == true;
        HttpResponse response = context.Response;
        if (!stream)
        {
            byte[] body = responses ? BenchAnswer.Response : BenchAnswer.Completion;
            response.ContentType = "application/json";
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.RequestAborted);
            return;
        }

        // Paced from the event before the first delta, so that the first content comes one delay after the headers
        // on either surface (a chat stream's first event is the role chunk; a Responses stream has four before its text).
        byte[][] events = responses ? BenchAnswer.ResponseEvents : BenchAnswer.Events;
        int firstPaced = responses ? BenchAnswer.FirstResponseDelta - 1 : 0;
        int delay = int.TryParse(context.Request.Headers["x-bench-delta-delay-ms"], NumberStyles.None, CultureInfo.InvariantCulture, out int ms) ? ms : 0;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        for (int i = 0; i < events.Length; i++)
        {
            await response.Body.WriteAsync(events[i], context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
            if (delay > 0 && i >= firstPaced && i < firstPaced + PacedEvents)
            {
                await Task.Delay(delay, context.RequestAborted);
            }
        }
    }

    private static async Task<bool> AsksForStreamAsync(HttpRequest request)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            int length = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length))) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    break; // bench requests are small; a larger body is simply not a stream request
                }
            }

            return buffer.AsSpan(0, length).IndexOf(StreamTrue) >= 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
