using System.Buffers;
using System.Globalization;

namespace CanaryService.ProxyBench;

/// <summary>
/// A fake OpenAI upstream for load tests. <c>POST .../chat/completions</c> answers <see cref="BenchAnswer"/>: JSON, or SSE
/// when the body asks for <c>"stream":true</c>, one flush per event. A request header <c>x-bench-delta-delay-ms</c> paces
/// the first <see cref="PacedEvents"/> events (for first-byte measurements: a proxy that held a delta back until the
/// next one came would show a whole delay more); without it, and after those, events go out back to back. Answers are pre-encoded so the
/// upstream costs as little CPU as possible on the shared cores.
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
        HttpResponse response = context.Response;
        if (!stream)
        {
            response.ContentType = "application/json";
            response.ContentLength = BenchAnswer.Completion.Length;
            await response.Body.WriteAsync(BenchAnswer.Completion, context.RequestAborted);
            return;
        }

        int delay = int.TryParse(context.Request.Headers["x-bench-delta-delay-ms"], NumberStyles.None, CultureInfo.InvariantCulture, out int ms) ? ms : 0;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        for (int i = 0; i < BenchAnswer.Events.Length; i++)
        {
            await response.Body.WriteAsync(BenchAnswer.Events[i], context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
            if (delay > 0 && i < PacedEvents)
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
