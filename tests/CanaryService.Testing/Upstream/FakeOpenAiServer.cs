using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using CanaryService.Testing.Hosting;

namespace CanaryService.Testing.Upstream;

/// <summary>A request as the fake server received it.</summary>
public sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// An OpenAI-compatible server on loopback Kestrel (127.0.0.1, a free port): the upstream the proxy marks, or a
/// competitor the probes ask. Each test scripts its answers, either byte for byte with <see cref="Handler"/> (the
/// builders in <see cref="ChatAnswers"/> and <see cref="SurfaceAnswers"/> write them as OpenAI does), or as a function
/// from the prompt to a <see cref="FakeReply"/> that is written in the shape of the surface asked (chat completions,
/// Responses, legacy completions; plain or streamed). It records every request, counts them on arrival (where a
/// provider would bill them) and keeps the most it had in flight at once.
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    private readonly LoopbackHost _host;
    private int _arrived;
    private int _inFlight;
    private int _maxInFlight;

    private FakeOpenAiServer(LoopbackHost host)
    {
        _host = host;
    }

    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>The OpenAI base URL, <see cref="BaseAddress"/> + <c>v1</c> (no trailing slash, as a client is configured).</summary>
    public Uri BaseUrl => new(BaseAddress, "v1");

    /// <summary>Answers each request after it was recorded, body included. Defaults to a chat completion saying "Hello.".</summary>
    public Func<HttpContext, ReceivedRequest, Task> Handler { get; set; } =
        static (context, _) => ChatAnswers.WriteCompletionAsync(context.Response, "Hello.");

    /// <summary>Every request received whole, in order.</summary>
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Requests that arrived so far, counted before their body was read (a request the client gave up on counts too).</summary>
    public int RequestCount => Volatile.Read(ref _arrived);

    /// <summary>The most requests in flight at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>The prompts of the requests received (see <see cref="FakeReplies.PromptOf"/>), in arrival order.</summary>
    public IReadOnlyList<string> Prompts => [.. Requests.Select(FakeReplies.PromptOf)];

    /// <summary>Starts a server answering with <see cref="Handler"/>.</summary>
    public static async Task<FakeOpenAiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        FakeOpenAiServer? server = null;
        LoopbackHost host = await LoopbackHost.StartAsync(static _ => { }, app => app.Run(context => server!.ServeAsync(context)), cancellationToken);
        server = new FakeOpenAiServer(host);
        return server;
    }

    /// <summary>Starts a server whose reply to each request <paramref name="behaviour"/> picks from the prompt and the request's 0-based number.</summary>
    public static Task<FakeOpenAiServer> StartAsync(Func<string, int, FakeReply> behaviour, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(behaviour);
        return StartAsync((prompt, index) => Task.FromResult(behaviour(prompt, index)), cancellationToken);
    }

    /// <summary>Starts a server whose behaviour is asynchronous (it may wait on the test before it answers).</summary>
    public static async Task<FakeOpenAiServer> StartAsync(Func<string, int, Task<FakeReply>> behaviour, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(behaviour);
        FakeOpenAiServer server = await StartAsync(cancellationToken);
        server.Handler = (context, request) => FakeReplies.WriteAsync(context, request, behaviour);
        return server;
    }

    private async Task ServeAsync(HttpContext context)
    {
        int index = Interlocked.Increment(ref _arrived) - 1;
        int inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            int max;
            while (inFlight > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
            {
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var received = new ReceivedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body.ToArray());
            Requests.Enqueue(received);
            context.Items[FakeReplies.IndexKey] = index;
            await Handler(context, received);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up (a time-out, a cancelled stream): nothing left to answer.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
