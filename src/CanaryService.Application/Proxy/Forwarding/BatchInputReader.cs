using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CanaryService.Application.Proxy.Forwarding;

/// <summary>One request of a batch's input file: what its answer's phrase canary is drawn from.</summary>
/// <param name="CustomId">The caller's id of the request, which its output line repeats.</param>
/// <param name="Prompt">The request's prompt, read as the proxy reads the same request sent on its own.</param>
/// <param name="Structured">The request asks for structured output: its answer is never marked.</param>
internal sealed record BatchInputLine(string CustomId, string Prompt, bool Structured);

/// <summary>The input of the batch whose output file is being downloaded.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="CreatedAt">When the batch was created: the epoch its answers' canaries belong to.</param>
/// <param name="Lines">Its requests, in file order.</param>
internal sealed record BatchInput(string BatchId, DateTimeOffset CreatedAt, IReadOnlyList<BatchInputLine> Lines);

/// <summary>
/// Finds, for a download of a batch output file (<c>GET …/files/{id}/content</c>), the batch that wrote it and reads its
/// input file from the upstream, with the caller's credentials (or the configured upstream key): an output line holds
/// the answer but not the prompt a phrase canary is drawn from, and its <c>custom_id</c> names the input line that does.
/// The batch is looked up in the upstream's batch list (newest first, up to <see cref="MaxPages"/> pages of 100),
/// where a caller who downloads an output file found its id.
/// </summary>
internal sealed class BatchInputReader
{
    /// <summary>Pages of the batch list read at most (100 batches each).</summary>
    public const int MaxPages = 5;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    private readonly HttpMessageInvoker _client;
    private readonly string _destinationPrefix;
    private readonly string? _apiKey;
    private readonly int _maxBytes;
    private readonly TimeSpan _timeout;

    /// <summary>Creates the reader.</summary>
    /// <param name="client">The proxy's client to the upstream.</param>
    /// <param name="destinationPrefix">The upstream's origin and path prefix.</param>
    /// <param name="apiKey">The configured upstream key, used instead of the caller's credentials when set.</param>
    /// <param name="maxBytes">The largest batch list page or input file read.</param>
    /// <param name="timeout">The longest the reading may take in all (the download waits for it).</param>
    public BatchInputReader(HttpMessageInvoker client, string destinationPrefix, string? apiKey, int maxBytes, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(destinationPrefix);
        _client = client;
        _destinationPrefix = destinationPrefix;
        _apiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey;
        _maxBytes = maxBytes;
        _timeout = timeout;
    }

    /// <summary>
    /// The input of the batch whose output <paramref name="download"/> fetches; null when the path names no file, no
    /// listed batch wrote it, or its input cannot be read whole within the size limit.
    /// </summary>
    /// <exception cref="HttpRequestException">The upstream could not be reached.</exception>
    /// <exception cref="TimeoutException">The reading took longer than the timeout.</exception>
    public async Task<BatchInput?> ReadAsync(HttpRequest download, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(download);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            return await ReadCoreAsync(download, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Reading the batch's input from the upstream took longer than {_timeout}.");
        }
    }

    private async Task<BatchInput?> ReadCoreAsync(HttpRequest download, CancellationToken cancellationToken)
    {
        string path = download.Path.Value ?? "";
        int files = path.LastIndexOf("/files/", StringComparison.Ordinal);
        if (files < 0 || !path.EndsWith("/content", StringComparison.Ordinal) || files + 7 >= path.Length - 8)
        {
            return null;
        }

        string prefix = path[..files];
        string outputFileId = Uri.UnescapeDataString(path[(files + 7)..^8]);
        string query = download.QueryString.Value ?? "";
        (string BatchId, string InputFileId, DateTimeOffset CreatedAt)? batch = null;
        string? after = null;
        for (int page = 0; page < MaxPages && batch is null; page++)
        {
            string list = prefix + "/batches" + With(query, "limit=100" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)));
            using JsonDocument? batches = await GetJsonAsync(download, list, cancellationToken).ConfigureAwait(false);
            if (batches is null || !batches.RootElement.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            foreach (JsonElement item in data.EnumerateArray())
            {
                if (String(item, "output_file_id") == outputFileId && String(item, "input_file_id") is { Length: > 0 } input)
                {
                    DateTimeOffset created = item.TryGetProperty("created_at", out JsonElement at) && at.TryGetInt64(out long seconds)
                        ? DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253_402_300_799)) : DateTimeOffset.UtcNow;
                    batch = (String(item, "id") ?? "", input, created);
                    break;
                }

                after = String(item, "id");
            }

            if (!(batches.RootElement.TryGetProperty("has_more", out JsonElement more) && more.ValueKind == JsonValueKind.True) || after is null)
            {
                break;
            }
        }

        if (batch is not { } found)
        {
            return null;
        }

        byte[]? file = await GetBytesAsync(download, prefix + "/files/" + Uri.EscapeDataString(found.InputFileId) + "/content" + query, cancellationToken).ConfigureAwait(false);
        return file is null ? null : new BatchInput(found.BatchId, found.CreatedAt, ParseLines(file));
    }

    /// <summary>The requests of an input file (JSON lines); lines that are not requests to a marked surface are left out.</summary>
    internal static List<BatchInputLine> ParseLines(ReadOnlySpan<byte> file)
    {
        List<BatchInputLine> lines = [];
        while (!file.IsEmpty)
        {
            int end = file.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? file : file[..end];
            file = end < 0 ? default : file[(end + 1)..];
            if (ParseLine(line) is { } parsed)
            {
                lines.Add(parsed);
            }
        }

        return lines;
    }

    private static BatchInputLine? ParseLine(ReadOnlySpan<byte> line)
    {
        line = line.TrimEnd("\r"u8);
        if (line.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 64 });
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || String(root, "custom_id") is not { Length: > 0 } customId
                || String(root, "url") is not { } url || !root.TryGetProperty("body", out JsonElement body) || body.ValueKind != JsonValueKind.Object
                || ShapeOf(url) is not { } shape)
            {
                return null;
            }

            string prompt;
            try
            {
                prompt = shape.PromptOf(body);
            }
            catch (InvalidOperationException)
            {
                prompt = ""; // a lone surrogate escape: marked without a topic, as the request sent on its own would be
            }

            return new BatchInputLine(customId, prompt, shape.IsStructured(body));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The shape of a batch request's <c>url</c> (OpenAI's <c>/v1/…</c>, Azure's with or without it).</summary>
    private static RequestShape? ShapeOf(string url)
    {
        string path = url.Split('?', 2)[0].TrimEnd('/');
        return path.EndsWith("/chat/completions", StringComparison.Ordinal) ? RequestShapes.Chat
            : path.EndsWith("/responses", StringComparison.Ordinal) ? RequestShapes.Response
            : path.EndsWith("/completions", StringComparison.Ordinal) ? RequestShapes.Completion
            : null;
    }

    private async Task<JsonDocument?> GetJsonAsync(HttpRequest download, string pathAndQuery, CancellationToken cancellationToken)
    {
        byte[]? body = await GetBytesAsync(download, pathAndQuery, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The body of a successful GET of <paramref name="pathAndQuery"/>; null for any other answer or one above the limit.</summary>
    private async Task<byte[]?> GetBytesAsync(HttpRequest download, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _destinationPrefix + pathAndQuery);
        bool azure = download.Path.StartsWithSegments("/openai", StringComparison.OrdinalIgnoreCase);
        if (_apiKey is not null)
        {
            if (azure)
            {
                request.Headers.TryAddWithoutValidation("api-key", _apiKey);
            }
            else
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
            }
        }
        else
        {
            foreach (string header in new[] { HeaderNames.Authorization, "api-key", "OpenAI-Organization", "OpenAI-Project" })
            {
                if (download.Headers.TryGetValue(header, out var value))
                {
                    request.Headers.TryAddWithoutValidation(header, value.ToArray());
                }
            }
        }

        using HttpResponseMessage response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentEncoding.Count > 0 || response.Content.Headers.ContentLength > _maxBytes)
        {
            return null;
        }

        await using Stream content = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var collected = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await content.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (collected.Length + read > _maxBytes)
            {
                return null;
            }

            collected.Write(chunk, 0, read);
        }

        return collected.ToArray();
    }

    private static string With(string query, string parameters) => string.IsNullOrEmpty(query) ? "?" + parameters : query + "&" + parameters;

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
