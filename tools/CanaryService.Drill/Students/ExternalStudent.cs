using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CanaryService.Drill.Serving;

namespace CanaryService.Drill.Students;

/// <summary>
/// A student served by a process of its own (<c>--student-server</c>), e.g. a neural model that trains on its set and
/// then serves it: the drill writes the training set as JSON lines, runs the command through the shell, waits for an
/// OpenAI-compatible server on the port it gave, and forwards each probe's prompt to it. Disposing stops the process
/// (its whole tree) and deletes the training file, also when the drill fails or is cancelled.
/// </summary>
internal sealed class ExternalStudent : IChatResponder, IAsyncDisposable
{
    /// <summary>Replaced by the training file's path.</summary>
    public const string TrainingPlaceholder = "{training}";

    /// <summary>Replaced by the loopback port the server must listen on.</summary>
    public const string PortPlaceholder = "{port}";

    /// <summary>Replaced by the student's competitor name.</summary>
    public const string NamePlaceholder = "{name}";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly string _trainingFile;
    private readonly HttpClient _http;
    private readonly Queue<string> _lastLines = new();

    private ExternalStudent(string name, Process process, string trainingFile, Uri baseUrl)
    {
        Name = name;
        _process = process;
        _trainingFile = trainingFile;
        BaseUrl = baseUrl;

        // A probe's own time-out (Probe:Competitors:{i}:TimeoutSeconds) bounds each answer; this one only stops a hung server.
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(10) };
    }

    /// <summary>The student's competitor name.</summary>
    public string Name { get; }

    /// <summary>The server's OpenAI base URL, <c>http://127.0.0.1:PORT/v1/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>
    /// Writes <paramref name="training"/>, starts <paramref name="command"/> and returns once its server answers
    /// <c>GET /v1/models</c> with success on the port; each line the process writes goes to <paramref name="log"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process exited before its server answered.</exception>
    /// <exception cref="TimeoutException">The server did not answer within <paramref name="wait"/>.</exception>
    public static async Task<ExternalStudent> StartAsync(
        string name, string command, IReadOnlyList<TrainingPair> training, TimeSpan wait, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(command);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(log);
        string file = Path.Combine(Path.GetTempPath(), $"drill-{name}-{Guid.NewGuid():N}.jsonl");
        await WriteTrainingSetAsync(file, training, cancellationToken).ConfigureAwait(false);
        int port = FreePort();
        string expanded = Expand(command, file, port, name);
        var process = new Process { StartInfo = ShellStart(expanded), EnableRaisingEvents = true };
        var student = new ExternalStudent(name, process, file, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/v1/"));
        try
        {
            process.OutputDataReceived += (_, e) => student.Relay(e.Data, log);
            process.ErrorDataReceived += (_, e) => student.Relay(e.Data, log);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await student.WaitUntilServingAsync(wait, cancellationToken).ConfigureAwait(false);
            return student;
        }
        catch
        {
            await student.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The command with its placeholders replaced.</summary>
    internal static string Expand(string command, string trainingFile, int port, string name) => command
        .Replace(TrainingPlaceholder, trainingFile, StringComparison.Ordinal)
        .Replace(PortPlaceholder, port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace(NamePlaceholder, name, StringComparison.Ordinal);

    /// <summary>Writes the training set as JSON lines <c>{"prompt": …, "answer": …}</c>.</summary>
    internal static async Task WriteTrainingSetAsync(string path, IReadOnlyList<TrainingPair> training, CancellationToken cancellationToken)
    {
        var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        await using (writer.ConfigureAwait(false))
        {
            foreach (TrainingPair pair in training)
            {
                await writer.WriteLineAsync(JsonSerializer.Serialize(new { prompt = pair.Prompt, answer = pair.Answer }).AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public string? Respond(string prompt) => RespondAsync(prompt, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask<string?> RespondAsync(string prompt, CancellationToken cancellationToken)
    {
        var request = new { model = Name, messages = new[] { new { role = "user", content = prompt } } };
        using HttpResponseMessage response = await _http.PostAsJsonAsync("chat/completions", request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using JsonDocument body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), default, cancellationToken).ConfigureAwait(false);
        return body.RootElement.TryGetProperty("choices", out JsonElement choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("message", out JsonElement message) && message.TryGetProperty("content", out JsonElement content)
            && content.ValueKind == JsonValueKind.String
            ? content.GetString()
            : null;
    }

    /// <summary>Stops the process and its children, and deletes the training file.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (HasStarted() && !_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(StopWait);
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or it did not die within the wait: nothing more a drill can do about it.
        }

        _process.Dispose();
        _http.Dispose();
        File.Delete(_trainingFile);
    }

    private bool HasStarted()
    {
        try
        {
            _ = _process.Id;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private void Relay(string? line, Action<string> log)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 5)
            {
                _lastLines.Dequeue();
            }
        }

        log(line);
    }

    private async Task WaitUntilServingAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                // Let the output readers drain, so the error says why.
                await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                string tail;
                lock (_lastLines)
                {
                    tail = string.Join(" | ", _lastLines);
                }

                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"The student server of {Name} exited with code {_process.ExitCode} before it answered on {BaseUrl}{(tail.Length > 0 ? ": " + tail : "")}"));
            }

            if (await AnswersAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (clock.Elapsed >= wait)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"The student server of {Name} did not answer on {BaseUrl} within {wait.TotalMinutes:0.##} min (--student-wait)."));
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether the server says it serves: <c>GET /v1/models</c> succeeds. A server that trains for long should hold its
    /// port from the start and answer an error until then: a port the drill picked and nobody holds may be taken by
    /// another program in the meantime.
    /// </summary>
    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using HttpResponseMessage response = await _http.GetAsync("models", attempt.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static ProcessStartInfo ShellStart(string command)
    {
        var start = new ProcessStartInfo
        {
            FileName = OperatingSystem.IsWindows() ? "cmd.exe" : "/bin/sh",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(OperatingSystem.IsWindows() ? "/c" : "-c");
        start.ArgumentList.Add(command);
        return start;
    }

    /// <summary>A loopback port free now (the OS picks it; the server binds it moments later).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
