using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CanaryService.Application.Tests.Proxy;
using CanaryService.Core.Issuance;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Testing;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Batch;
using OpenAI.Chat;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The Responses client is marked experimental by the SDK; it is the client callers use.

namespace CanaryService.Application.Tests.Proxy.Integration;

/// <summary>
/// The surfaces beside chat completions through the service as the Host wires it (the engine's marker, storage on
/// Azurite) in front of the fake upstream: the official OpenAI SDK where it sends the request, raw HTTP for the rest.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ProxyStorageCollection.Name)]
public sealed class SurfaceIntegrationTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Summary = "The user asks about cafés. Moreover, owners especially say guests often arrive early; it is simple to check.";
    private FakeOpenAiServer _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Responses_are_marked_by_the_engine_whole_streamed_and_fetched_again_on_OpenAI_and_Azure_routes()
    {
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress);
        const string Key = "sk-surfaces-responses-0001";
        string account = MarkingServiceHost.AccountOfKey(Key);
        string marked = AccountMarker(account).Mark(EngineMarks.Answer);
        string markedSummary = AccountMarker(account).Mark(Summary);
        var random = new Random(17);
        string? lastStream = null;
        _upstream.Handler = (context, request) =>
        {
            if (request.Method == "GET")
            {
                return request.PathAndQuery.Contains("stream=true", StringComparison.Ordinal)
                    ? ChatAnswers.WriteEventStreamAsync(context.Response, lastStream = SurfaceAnswers.ResponseStream(ChatAnswers.Split(EngineMarks.Answer, random), ChatAnswers.Split(Summary, random)), random)
                    : ChatAnswers.WriteJsonAsync(context.Response, 200, SurfaceAnswers.Response(EngineMarks.Answer, Summary));
            }

            return EngineMarks.AsksForStream(request)
                ? ChatAnswers.WriteEventStreamAsync(context.Response, lastStream = SurfaceAnswers.ResponseStream(ChatAnswers.Split(EngineMarks.Answer, random), ChatAnswers.Split(Summary, random)), random)
                : ChatAnswers.WriteJsonAsync(context.Response, 200, SurfaceAnswers.Response(EngineMarks.Answer, Summary));
        };
        Assert.NotEqual(EngineMarks.Answer, marked);
        Assert.NotEqual(Summary, markedSummary);

        // The SDK, whole and streamed.
        ResponsesClient client = ResponsesClientOf(service, Key);
        ResponseResult whole = await client.CreateResponseAsync(Options(stream: false));
        Assert.Equal(marked, whole.GetOutputText());
        Assert.True(EngineMarks.AssertCarriesKeyedChoices(whole.GetOutputText(), account, "someone-else") > 0);
        for (int run = 0; run < 4; run++)
        {
            var deltas = new StringBuilder();
            await foreach (StreamingResponseUpdate update in await client.CreateResponseStreamingAsync(Options(stream: true)))
            {
                if (update is StreamingResponseOutputTextDeltaUpdate delta)
                {
                    deltas.Append(delta.Delta);
                }
            }

            Assert.Equal(marked, deltas.ToString());
        }

        // Raw: every event of the stream checked against the upstream's, on each route.
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        foreach (string path in new[] { "v1/responses", "openai/v1/responses", "openai/responses?api-version=preview" })
        {
            string body = "{\"model\":\"gpt-test\",\"stream\":true,\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"When do cafés open?\"}]}]}";
            using HttpResponseMessage streamed = await SendAsync(http, HttpMethod.Post, path, body, Key);
            Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
            SurfaceRewriterTests.AssertResponseStream(lastStream!, await streamed.Content.ReadAsStringAsync(), marked, markedSummary);

            using HttpResponseMessage plain = await SendAsync(http, HttpMethod.Post, path, "{\"model\":\"gpt-test\",\"input\":\"When do cafés open?\"}", Key);
            Assert.Equal(Relaxed(SurfaceAnswers.Response(marked, markedSummary)), Relaxed(await plain.Content.ReadAsStringAsync()));
        }

        // A stored response fetched again reads as the one that was sent, whole or replayed as events.
        foreach (string path in new[] { "v1/responses/resp_test1", "openai/v1/responses/resp_test1", "openai/responses/resp_test1" })
        {
            using HttpResponseMessage fetched = await SendAsync(http, HttpMethod.Get, path, null, Key);
            Assert.Equal(Relaxed(SurfaceAnswers.Response(marked, markedSummary)), Relaxed(await fetched.Content.ReadAsStringAsync()));
        }

        using (HttpResponseMessage replay = await SendAsync(http, HttpMethod.Get, "v1/responses/resp_test1?stream=true", null, Key))
        {
            SurfaceRewriterTests.AssertResponseStream(lastStream!, await replay.Content.ReadAsStringAsync(), marked, markedSummary);
        }

        // Structured output is never marked.
        _upstream.Handler = (context, _) => ChatAnswers.WriteJsonAsync(context.Response, 200, SurfaceAnswers.Response("{\"a\":\"often\"}", format: "{\"type\":\"json_object\"}"));
        using (HttpResponseMessage json = await SendAsync(http, HttpMethod.Post, "v1/responses", "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_object\"}}}", Key))
        {
            Assert.Equal(SurfaceAnswers.Response("{\"a\":\"often\"}", format: "{\"type\":\"json_object\"}"), await json.Content.ReadAsStringAsync());
        }

        using (HttpResponseMessage json = await SendAsync(http, HttpMethod.Get, "v1/responses/resp_json", null, Key))
        {
            Assert.Equal(SurfaceAnswers.Response("{\"a\":\"often\"}", format: "{\"type\":\"json_object\"}"), await json.Content.ReadAsStringAsync());
        }

        await service.Issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Dictionary<string, (long Responses, long MarkedChoices)> issued = await MarkingProxyIntegrationTests.IssuanceByAccountAsync(service);
        Assert.Equal((1L + 4 + 6 + 3 + 1, 15L), issued[account]);
    }

    [Fact]
    public async Task Legacy_completions_and_reasoning_traces_are_marked_whole_and_streamed_alike_on_every_route()
    {
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress);
        const string Key = "sk-surfaces-completions-0002";
        string account = MarkingServiceHost.AccountOfKey(Key);
        string marked = AccountMarker(account).Mark(EngineMarks.Answer);
        string markedSummary = AccountMarker(account).Mark(Summary);
        var random = new Random(23);
        _upstream.Handler = (context, request) =>
        {
            bool stream = EngineMarks.AsksForStream(request);
            if (request.PathAndQuery.Contains("/completions", StringComparison.Ordinal) && !request.PathAndQuery.Contains("chat", StringComparison.Ordinal))
            {
                return stream
                    ? ChatAnswers.WriteEventStreamAsync(context.Response, SurfaceAnswers.CompletionStream(ChatAnswers.Split(EngineMarks.Answer, random)), random)
                    : ChatAnswers.WriteJsonAsync(context.Response, 200, SurfaceAnswers.Completion(EngineMarks.Answer));
            }

            string field = request.PathAndQuery.Contains("openai", StringComparison.Ordinal) ? "reasoning" : "reasoning_content";
            return stream
                ? ChatAnswers.WriteEventStreamAsync(context.Response, SurfaceAnswers.ChatWithReasoningStream(ChatAnswers.Split(Summary, random), ChatAnswers.Split(EngineMarks.Answer, random), field), random)
                : ChatAnswers.WriteJsonAsync(context.Response, 200, SurfaceAnswers.ChatWithReasoning(Summary, EngineMarks.Answer, field));
        };

        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        int responses = 0;
        foreach (string path in new[] { "v1/completions", "openai/deployments/instruct/completions?api-version=2024-10-21", "openai/v1/completions" })
        {
            using HttpResponseMessage plain = await SendAsync(http, HttpMethod.Post, path, "{\"model\":\"gpt-test-instruct\",\"prompt\":\"When do cafés open?\"}", Key);
            Assert.Equal(Relaxed(SurfaceAnswers.Completion(marked)), Relaxed(await plain.Content.ReadAsStringAsync()));
            for (int run = 0; run < 3; run++)
            {
                using HttpResponseMessage streamed = await SendAsync(http, HttpMethod.Post, path, "{\"model\":\"gpt-test-instruct\",\"prompt\":[\"When do cafés open?\"],\"stream\":true}", Key);
                Assert.Equal(marked, SurfaceStreams.ChoiceText(await streamed.Content.ReadAsStringAsync(), "text", inDelta: false));
            }

            responses += 4;
        }

        // An echoed prompt is the caller's own text: such a completion passes as it came.
        using (HttpResponseMessage echoed = await SendAsync(http, HttpMethod.Post, "v1/completions", "{\"model\":\"m\",\"prompt\":\"x\",\"echo\":true}", Key))
        {
            Assert.Equal(SurfaceAnswers.Completion(EngineMarks.Answer), await echoed.Content.ReadAsStringAsync());
        }

        // Reasoning traces (DeepSeek's reasoning_content; reasoning on the Azure v1 route here), and the SDK reads the answer.
        foreach ((string path, string field) in new[] { ("v1/chat/completions", "reasoning_content"), ("openai/v1/chat/completions", "reasoning") })
        {
            string request = "{\"model\":\"reasoner-test\",\"messages\":[{\"role\":\"user\",\"content\":\"When do cafés open?\"}]";
            using HttpResponseMessage plain = await SendAsync(http, HttpMethod.Post, path, request + "}", Key);
            Assert.Equal(Relaxed(SurfaceAnswers.ChatWithReasoning(markedSummary, marked, field)), Relaxed(await plain.Content.ReadAsStringAsync()));
            using HttpResponseMessage streamed = await SendAsync(http, HttpMethod.Post, path, request + ",\"stream\":true}", Key);
            string sse = await streamed.Content.ReadAsStringAsync();
            Assert.Equal(markedSummary, SurfaceStreams.ChoiceText(sse, field));
            Assert.Equal(marked, SurfaceStreams.ChoiceText(sse, "content"));
            responses += 2;
        }

        ChatCompletion viaSdk = await service.Client(Key).CompleteChatAsync([new UserChatMessage("When do cafés open?")]);
        Assert.Equal(marked, viaSdk.Content[0].Text);
        Assert.Equal(30, viaSdk.Usage.OutputTokenDetails.ReasoningTokenCount);
        responses++;

        await service.Issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Dictionary<string, (long Responses, long MarkedChoices)> issued = await MarkingProxyIntegrationTests.IssuanceByAccountAsync(service);
        Assert.Equal(((long)responses, (long)responses), issued[account]);
    }

    [Fact]
    public async Task A_batch_output_file_is_marked_line_by_line_and_each_line_counts_as_issued_to_the_account_that_downloads_it()
    {
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress);
        const string Key = "sk-surfaces-batch-0003";
        string account = MarkingServiceHost.AccountOfKey(Key);
        string marked = AccountMarker(account).Mark(EngineMarks.Answer);
        string error = "{\"id\":\"batch_req_e\",\"custom_id\":\"e\",\"response\":{\"status_code\":429,\"request_id\":\"r\",\"body\":{\"error\":{\"message\":\"often\"}}},\"error\":null}";
        string File(string text) => SurfaceAnswers.BatchLine("a", ChatAnswers.Completion(text)) + "\n" + SurfaceAnswers.BatchLine("b", SurfaceAnswers.Response(text)) + "\n"
            + error + "\n" + SurfaceAnswers.BatchLine("c", ChatAnswers.Completion(text)) + "\n";
        _upstream.Handler = async (context, _) =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Response.WriteAsync(File(EngineMarks.Answer));
        };

        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        foreach (string path in new[] { "v1/files/file-abc/content", "openai/v1/files/file-abc/content", "openai/files/file-abc/content?api-version=2024-10-21" })
        {
            using HttpResponseMessage downloaded = await SendAsync(http, HttpMethod.Get, path, null, Key);
            Assert.Equal(HttpStatusCode.OK, downloaded.StatusCode);
            Assert.Equal(Relaxed(File(marked)), Relaxed(await downloaded.Content.ReadAsStringAsync()));
        }

        // Another file (not batch output) passes as it came.
        byte[] binary = [0x89, 0x50, 0x4E, 0x47, 0xFF, 0x00, 0x0A];
        _upstream.Handler = async (context, _) =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(binary);
        };
        using (HttpResponseMessage other = await SendAsync(http, HttpMethod.Get, "v1/files/file-png/content", null, Key))
        {
            Assert.Equal(binary, await other.Content.ReadAsByteArrayAsync());
        }

        await service.Issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Dictionary<string, (long Responses, long MarkedChoices)> issued = await MarkingProxyIntegrationTests.IssuanceByAccountAsync(service);
        Assert.Equal((9L, 9L), issued[account]);
    }

    [Fact]
    public async Task A_batch_output_files_lines_carry_the_phrase_canaries_their_requests_draw_and_structured_ones_pass_untouched()
    {
        // Every request draws a canary: which lines carry one can then only come from the batch's input.
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress,
            [new("Canary:PhraseRate", "1")]);
        const string Key = "sk-surfaces-batch-canary-0009";
        const string Prompt = "When do cafés open in the morning?";
        string account = MarkingServiceHost.AccountOfKey(Key);
        string marked = AccountMarker(account).Mark(EngineMarks.Answer);
        // The structured request's answer is prose here, so that leaving it untouched shows (the engine leaves JSON text alone anyway).
        const string Structured = EngineMarks.Answer;
        static string Request(string customId, string url, string body) =>
            "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"" + url + "\",\"body\":" + body + "}";
        string input = string.Join("\n",
            Request("a", "/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + Prompt + "\"}]}"),
            Request("b", "/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Write a poem about cafés opening in the morning.\"}]}"),
            Request("c", "/v1/chat/completions", "{\"model\":\"m\",\"response_format\":{\"type\":\"json_object\"},\"messages\":[{\"role\":\"user\",\"content\":\"" + Prompt + "\"}]}"),
            Request("d", "/v1/responses", "{\"model\":\"m\",\"input\":\"" + Prompt + "\"}")) + "\n";
        static string Output(string a, string b, string c, string d) => string.Join("\n",
            SurfaceAnswers.BatchLine("a", ChatAnswers.Completion(a)), SurfaceAnswers.BatchLine("b", ChatAnswers.Completion(b)),
            SurfaceAnswers.BatchLine("c", ChatAnswers.Completion(c)), SurfaceAnswers.BatchLine("d", SurfaceAnswers.Response(d))) + "\n";
        static string Batch(string id, string inputFile, string? outputFile) =>
            "{\"id\":\"" + id + "\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\",\"input_file_id\":\"" + inputFile
            + "\",\"output_file_id\":" + (outputFile is null ? "null" : "\"" + outputFile + "\"") + ",\"status\":\"completed\",\"created_at\":1764547200}";
        _upstream.Handler = async (context, request) =>
        {
            string path = request.PathAndQuery;
            if (path.StartsWith("/v1/batches/", StringComparison.Ordinal) || (request.Method == "POST" && path.StartsWith("/v1/batches", StringComparison.Ordinal)))
            {
                await ChatAnswers.WriteJsonAsync(context.Response, 200, Batch("batch_1", "file-in", "file-out"));
                return;
            }

            if (path.Contains("/batches", StringComparison.Ordinal))
            {
                // Two pages: the batch that wrote the file is on the second.
                bool second = path.Contains("after=batch_other", StringComparison.Ordinal);
                await ChatAnswers.WriteJsonAsync(context.Response, 200, "{\"object\":\"list\",\"data\":["
                    + (second ? Batch("batch_1", "file-in", "file-out") : Batch("batch_running", "file-x", null) + "," + Batch("batch_other", "file-y", "file-z"))
                    + "],\"has_more\":" + (second ? "false" : "true") + "}");
                return;
            }

            context.Response.ContentType = "application/octet-stream";
            await context.Response.WriteAsync(path.Contains("/files/file-in/", StringComparison.Ordinal) ? input : Output(EngineMarks.Answer, EngineMarks.Answer, Structured, EngineMarks.Answer));
        };

        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        string first = await DownloadAsync("v1/files/file-out/content");
        string canary = await CanaryParagraphAsync(service, ChatText(first, 0), marked);
        Assert.Equal(Relaxed(Output(marked + "\n\n" + canary, marked, Structured, marked + "\n\n" + canary)), Relaxed(first));
        Assert.Equal(first, await DownloadAsync("v1/files/file-out/content"));
        Assert.Equal(first, await DownloadAsync("openai/v1/files/file-out/content"));

        // The official SDK, as a distiller would use it: the batch created and read back, its output downloaded.
        var openai = new OpenAI.OpenAIClient(new ApiKeyCredential(Key), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(service.BaseAddress, "v1"), RetryPolicy = new ClientRetryPolicy(0) });
        CreateBatchOperation operation = await openai.GetBatchClient().CreateBatchAsync(
            BinaryContent.Create(BinaryData.FromString("{\"input_file_id\":\"file-in\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}")),
            waitUntilCompleted: false);
        using JsonDocument created = JsonDocument.Parse((await operation.GetBatchAsync(null)).GetRawResponse().Content);
        BinaryData viaSdk = await openai.GetOpenAIFileClient().DownloadFileAsync(created.RootElement.GetProperty("output_file_id").GetString()!);
        Assert.Equal(first, viaSdk.ToString());

        // The canary is the one of the epoch the batch was created in (December 2025), not the download's.
        List<CanaryRecord> registered = [];
        await foreach (CanaryRecord record in service.Services.GetRequiredService<ICanaryRegistry>().ListAsync())
        {
            registered.Add(record);
        }

        Assert.Equal("2025-12", Assert.Single(registered, r => r.Candidates.Contains(canary)).Epoch);

        // The input was read with the caller's credentials, from the same API.
        Assert.Contains(_upstream.Requests, r => r.PathAndQuery == "/v1/files/file-in/content" && r.Headers.GetValueOrDefault("Authorization") == "Bearer " + Key);
        Assert.Contains(_upstream.Requests, r => r.PathAndQuery == "/openai/v1/batches?limit=100&after=batch_other" && r.Headers.GetValueOrDefault("api-key") == Key);

        // A file no listed batch wrote: every line lexically marked (the structured one too, as nothing says it is), no canary.
        Assert.Equal(Relaxed(Output(marked, marked, AccountMarker(account).Mark(Structured), marked)), Relaxed(await DownloadAsync("v1/files/file-unknown/content")));

        // An upstream that cannot list its batches: the download is still answered, every line lexically marked.
        Func<HttpContext, ReceivedRequest, Task> serveFiles = _upstream.Handler;
        _upstream.Handler = (context, request) => request.PathAndQuery.Contains("/batches", StringComparison.Ordinal)
            ? ChatAnswers.WriteJsonAsync(context.Response, 500, "{\"error\":{\"message\":\"down\"}}")
            : serveFiles(context, request);
        Assert.Equal(Relaxed(Output(marked, marked, AccountMarker(account).Mark(Structured), marked)), Relaxed(await DownloadAsync("v1/files/file-out/content")));

        // Each line a response issued to the downloader; the canaries of lines a and d on each of the four downloads of the
        // file its batch is listed for.
        await service.Issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4 * 2, await CanaryIssuancesAsync(service, account));

        async Task<string> DownloadAsync(string path)
        {
            using HttpResponseMessage downloaded = await SendAsync(http, HttpMethod.Get, path, null, Key);
            Assert.Equal(HttpStatusCode.OK, downloaded.StatusCode);
            return await downloaded.Content.ReadAsStringAsync();
        }
    }

    [Fact]
    public async Task Stored_chat_completions_are_marked_when_fetched_again_and_when_listed_through_the_official_client()
    {
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress);
        const string Key = "sk-surfaces-stored-chat-0005";
        string account = MarkingServiceHost.AccountOfKey(Key);
        string marked = AccountMarker(account).Mark(EngineMarks.Answer);
        const string Messages = "{\"object\":\"list\",\"data\":[{\"id\":\"m1\",\"role\":\"user\",\"content\":\"Moreover, many cafés often open early.\"}],\"has_more\":false}";
        static string List(string text) =>
            "{\"object\":\"list\",\"data\":[" + ChatAnswers.Completion(text) + "," + ChatAnswers.Completion(text) + "],\"first_id\":\"a\",\"last_id\":\"b\",\"has_more\":false}";
        _upstream.Handler = (context, request) =>
            request.PathAndQuery.Contains("/messages", StringComparison.Ordinal) ? ChatAnswers.WriteJsonAsync(context.Response, 200, Messages)
            : request.PathAndQuery.Contains("/chat/completions/", StringComparison.Ordinal) ? ChatAnswers.WriteJsonAsync(context.Response, 200, ChatAnswers.Completion(EngineMarks.Answer))
            : ChatAnswers.WriteJsonAsync(context.Response, 200, List(EngineMarks.Answer));
        Assert.NotEqual(EngineMarks.Answer, marked);

        // The SDK: one completion fetched again, and the list (two completions).
        var client = new ChatClient("gpt-test", new ApiKeyCredential(Key), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(service.BaseAddress, "v1") });
        ChatCompletion fetched = (await client.GetChatCompletionAsync("chatcmpl-stored")).Value;
        Assert.Equal(marked, fetched.Content[0].Text);
        int listed = 0;
        await foreach (ChatCompletion completion in client.GetChatCompletionsAsync())
        {
            Assert.Equal(marked, completion.Content[0].Text);
            listed++;
        }

        Assert.Equal(2, listed);

        // Updating a stored completion's metadata answers with the whole completion: marked alike, the new metadata
        // passing to the provider as it was sent.
        ChatCompletion updated = (await client.UpdateChatCompletionAsync("chatcmpl-stored", new Dictionary<string, string> { ["team"] = "often" })).Value;
        Assert.Equal(marked, updated.Content[0].Text);
        Assert.Contains(_upstream.Requests, r => r.Method == "POST" && r.PathAndQuery.EndsWith("/chat/completions/chatcmpl-stored", StringComparison.Ordinal) && Encoding.UTF8.GetString(r.Body).Contains("\"often\"", StringComparison.Ordinal));

        // Raw, on Azure's v1 routes too; a completion's messages are the caller's input and pass as they came.
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        using (HttpResponseMessage azure = await SendAsync(http, HttpMethod.Get, "openai/v1/chat/completions/chatcmpl-stored", null, Key))
        {
            Assert.Equal(Relaxed(ChatAnswers.Completion(marked)), Relaxed(await azure.Content.ReadAsStringAsync()));
        }

        using (HttpResponseMessage azureList = await SendAsync(http, HttpMethod.Get, "openai/v1/chat/completions?limit=2", null, Key))
        {
            Assert.Equal(Relaxed(List(marked)), Relaxed(await azureList.Content.ReadAsStringAsync()));
        }

        using (HttpResponseMessage messages = await SendAsync(http, HttpMethod.Get, "v1/chat/completions/chatcmpl-stored/messages", null, Key))
        {
            Assert.Equal(Messages, await messages.Content.ReadAsStringAsync());
        }

        using (HttpResponseMessage azureUpdate = await SendAsync(http, HttpMethod.Post, "openai/v1/chat/completions/chatcmpl-stored", "{\"metadata\":{\"team\":\"often\"}}", Key))
        {
            Assert.Equal(Relaxed(ChatAnswers.Completion(marked)), Relaxed(await azureUpdate.Content.ReadAsStringAsync()));
        }

        // Each completion fetched, updated or listed is a response issued to the account: 1 + 2 + 1 + 1 + 2 + 1.
        await service.Issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Dictionary<string, (long Responses, long MarkedChoices)> issued = await MarkingProxyIntegrationTests.IssuanceByAccountAsync(service);
        Assert.Equal((8L, 8L), issued[account]);
    }

    [Fact]
    public async Task A_stored_answer_fetched_again_carries_the_phrase_canary_it_went_out_with_and_an_unstored_one_none()
    {
        // Every answer draws a canary: what a fetch carries can then only come from the index.
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress,
            [new("Canary:PhraseRate", "1")]);
        const string Key = "sk-surfaces-stored-canary-0007", OtherKey = "sk-surfaces-stored-canary-0008";
        const string Prompt = "When do cafés open in the morning?";
        string account = MarkingServiceHost.AccountOfKey(Key), other = MarkingServiceHost.AccountOfKey(OtherKey);
        string marked = AccountMarker(account).Mark(EngineMarks.Answer), markedForOther = AccountMarker(other).Mark(EngineMarks.Answer);
        string Unstored = SurfaceAnswers.Response(EngineMarks.Answer).Replace(SurfaceAnswers.ResponseId, "resp_unstored", StringComparison.Ordinal);
        var random = new Random(23);
        _upstream.Handler = (context, request) =>
        {
            string path = request.PathAndQuery;
            if (path.Contains("/chat/completions", StringComparison.Ordinal))
            {
                return request.Method == "POST" && EngineMarks.AsksForStream(request)
                    ? ChatAnswers.WriteEventStreamAsync(context.Response, ChatAnswers.Stream(ChatAnswers.Split(EngineMarks.Answer, random)), random)
                    : ChatAnswers.WriteCompletionAsync(context.Response, EngineMarks.Answer);
            }

            if (request.Method == "POST" && EngineMarks.AsksForStream(request))
            {
                string events = SurfaceAnswers.ResponseStream(ChatAnswers.Split(EngineMarks.Answer, random));
                return ChatAnswers.WriteEventStreamAsync(context.Response, events.Replace(SurfaceAnswers.ResponseId, "resp_streamed", StringComparison.Ordinal), random);
            }

            bool unstored = path.Contains("resp_unstored", StringComparison.Ordinal)
                || (request.Method == "POST" && Encoding.UTF8.GetString(request.Body).Contains("\"store\":false", StringComparison.Ordinal));
            return ChatAnswers.WriteJsonAsync(context.Response, 200, unstored ? Unstored : SurfaceAnswers.Response(EngineMarks.Answer));
        };
        IStoredCanaryIndex index = service.Services.GetRequiredService<IStoredCanaryIndex>();
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        // A response is stored unless the request says otherwise: it goes out with its topic's canary as a paragraph of its own.
        using HttpResponseMessage created = await SendAsync(http, HttpMethod.Post, "v1/responses", "{\"model\":\"gpt-test\",\"input\":\"" + Prompt + "\"}", Key);
        string createdBody = await created.Content.ReadAsStringAsync();
        string createdText = OutputText(createdBody);
        string canary = await CanaryParagraphAsync(service, createdText, marked);
        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        StoredCanary? entry = await index.FindAsync(SurfaceAnswers.ResponseId);
        Assert.NotNull(entry);

        // Fetched again, on each route: the same bytes as created; by another account, its own lexical marks and the same canary.
        foreach (string path in new[] { "v1/responses/" + SurfaceAnswers.ResponseId, "openai/v1/responses/" + SurfaceAnswers.ResponseId })
        {
            using HttpResponseMessage fetched = await SendAsync(http, HttpMethod.Get, path, null, Key);
            Assert.Equal(Relaxed(createdBody), Relaxed(await fetched.Content.ReadAsStringAsync()));
        }

        using (HttpResponseMessage fetchedByOther = await SendAsync(http, HttpMethod.Get, "v1/responses/" + SurfaceAnswers.ResponseId, null, OtherKey))
        {
            Assert.Equal(markedForOther + "\n\n" + canary, OutputText(await fetchedByOther.Content.ReadAsStringAsync()));
        }

        // Streamed, the id comes from response.created; the stored copy reads as the deltas did.
        using (HttpResponseMessage streamed = await SendAsync(http, HttpMethod.Post, "v1/responses", "{\"model\":\"gpt-test\",\"stream\":true,\"input\":\"" + Prompt + "\"}", Key))
        {
            Assert.Equal(marked + "\n\n" + canary, SurfaceStreams.Concat(await streamed.Content.ReadAsStringAsync(), "response.output_text.delta", "delta"));
        }

        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        using (HttpResponseMessage fetchedStreamed = await SendAsync(http, HttpMethod.Get, "v1/responses/resp_streamed", null, Key))
        {
            Assert.Equal(marked + "\n\n" + canary, OutputText(await fetchedStreamed.Content.ReadAsStringAsync()));
        }

        // store: false: the answer still carries a canary when created, but nothing is recorded, so a fetch has none to repeat.
        using (HttpResponseMessage unstored = await SendAsync(http, HttpMethod.Post, "v1/responses", "{\"model\":\"gpt-test\",\"store\":false,\"input\":\"" + Prompt + "\"}", Key))
        {
            Assert.Equal(marked + "\n\n" + canary, OutputText(await unstored.Content.ReadAsStringAsync()));
        }

        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(await index.FindAsync("resp_unstored"));
        using (HttpResponseMessage fetchedUnstored = await SendAsync(http, HttpMethod.Get, "v1/responses/resp_unstored", null, Key))
        {
            Assert.Equal(marked, OutputText(await fetchedUnstored.Content.ReadAsStringAsync()));
        }

        // Chat completions are stored only with store: true. Without it, a fetch of the id carries no canary.
        ChatClient client = service.Client(Key);
        Assert.Equal(marked + "\n\n" + canary, (await client.CompleteChatAsync([new UserChatMessage(Prompt)])).Value.Content[0].Text);
        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(marked, (await client.GetChatCompletionAsync("chatcmpl-test1")).Value.Content[0].Text);

        // Streamed with store: true, the id comes from the chunks; the stored copy fetched or updated reads as the stream did.
        string streamBody = "{\"model\":\"gpt-test\",\"stream\":true,\"store\":true,\"messages\":[{\"role\":\"user\",\"content\":\"" + Prompt + "\"}]}";
        using (HttpResponseMessage streamed = await SendAsync(http, HttpMethod.Post, "v1/chat/completions", streamBody, Key))
        {
            Assert.Equal(marked + "\n\n" + canary, ChatStreamText(await streamed.Content.ReadAsStringAsync()));
        }

        await index.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(marked + "\n\n" + canary, (await client.GetChatCompletionAsync("chatcmpl-test1")).Value.Content[0].Text);
        Assert.Equal(marked + "\n\n" + canary,
            (await client.UpdateChatCompletionAsync("chatcmpl-test1", new Dictionary<string, string> { ["team"] = "a" })).Value.Content[0].Text);

        // Every answer that carried the canary is on record for the account it went to: created, fetched twice, streamed
        // and fetched, created unstored, chat plain and streamed, fetched and updated.
        await service.Issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, await CanaryIssuancesAsync(service, other));
        Assert.Equal(1 + 2 + 2 + 1 + 2 + 2, await CanaryIssuancesAsync(service, account));
    }

    [Fact]
    public async Task Upstream_errors_cut_streams_and_hostile_inputs_on_the_new_routes_pass_through_or_get_OpenAI_errors()
    {
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress);
        const string Key = "sk-surfaces-hostile-0004";
        string account = MarkingServiceHost.AccountOfKey(Key);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        // Upstream errors pass as they came, on every new route.
        const string Error = "{\"error\":{\"message\":\"often wrong\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";
        _upstream.Handler = (context, _) => ChatAnswers.WriteJsonAsync(context.Response, 503, Error);
        foreach ((HttpMethod method, string path) in new[]
        {
            (HttpMethod.Post, "v1/responses"), (HttpMethod.Post, "v1/completions"), (HttpMethod.Get, "v1/responses/resp_x"),
            (HttpMethod.Get, "v1/files/file-x/content"), (HttpMethod.Post, "openai/v1/chat/completions"),
        })
        {
            using HttpResponseMessage failed = await SendAsync(http, method, path, method == HttpMethod.Post ? "{\"model\":\"m\",\"input\":\"x\",\"prompt\":\"x\"}" : null, Key);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.Equal(Error, await failed.Content.ReadAsStringAsync());
        }

        // Bodies the proxy refuses, in OpenAI's error shape.
        foreach (byte[] body in new[] { "{\"model\":"u8.ToArray(), "[1,2]"u8.ToArray(), new byte[] { (byte)'{', 0xC3, 0x28, (byte)'}' } })
        {
            foreach (string path in new[] { "v1/responses", "v1/completions", "openai/responses" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using HttpResponseMessage refused = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                Assert.Equal("invalid_request_error", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("type").GetString());
            }
        }

        // Malformed answers pass as they came.
        foreach ((string mediaType, string answer) in new[]
        {
            ("application/json", "{\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"often\"}]}"),
            ("application/json", "{\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"often \\udc00\"}]}]}"),
            ("text/event-stream", "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"output_index\":\"0\",\"delta\":\"often\"}\n\ndata: {oops\n\n: x\n\n"),
        })
        {
            _upstream.Handler = async (context, _) =>
            {
                context.Response.ContentType = mediaType;
                await context.Response.WriteAsync(answer);
            };
            using HttpResponseMessage passed = await SendAsync(http, HttpMethod.Post, "v1/responses", "{\"model\":\"m\",\"input\":\"x\"}", Key);
            Assert.Equal(answer, await passed.Content.ReadAsStringAsync());
        }

        // A stream cut mid-answer: what arrived is a prefix of the marked text, and the caller sees the break. The answer
        // opens with plain prose, which streams on at once; from the first lexicon word on, the stream holds the echo
        // window back, and the cut comes inside it.
        string answerText = "The café on the corner opens at six and closes at ten. The owners greet every guest by name. " + EngineMarks.Answer;
        string marked = AccountMarker(account).Mark(answerText);
        string sse = SurfaceAnswers.ResponseStream(ChatAnswers.Split(answerText, new Random(4)));
        int cut = sse.IndexOf("event: response.output_text.done", StringComparison.Ordinal) - 200;
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.Handler = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(sse[..cut]);
            await context.Response.Body.FlushAsync();
            await delivered.Task.WaitAsync(TimeSpan.FromSeconds(20));
            context.Abort();
        };
        using var streamRequest = new HttpRequestMessage(HttpMethod.Post, "v1/responses") { Content = new StringContent("{\"model\":\"m\",\"input\":\"x\",\"stream\":true}", Encoding.UTF8, "application/json") };
        streamRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using HttpResponseMessage cutResponse = await http.SendAsync(streamRequest, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, cutResponse.StatusCode);
        var received = new StringBuilder();
        Exception? broken = null;
        try
        {
            using var reader = new StreamReader(await cutResponse.Content.ReadAsStreamAsync());
            char[] buffer = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                received.Append(buffer, 0, read);
                if (received.ToString().Contains("output_text.delta", StringComparison.Ordinal))
                {
                    delivered.TrySetResult();
                }
            }
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            broken = exception;
        }

        Assert.NotNull(broken);
        string text = received.ToString();
        string deltas = SurfaceStreams.Concat(text[..(text.LastIndexOf("\n\n", StringComparison.Ordinal) + 2)], "response.output_text.delta", "delta");
        Assert.NotEmpty(deltas);
        Assert.StartsWith(deltas, marked, StringComparison.Ordinal);
    }

    /// <summary>The concatenated <c>choices[0].delta.content</c> of a chat completion stream.</summary>
    private static string ChatStreamText(string sse) => string.Concat(SurfaceStreams.Events(sse)
        .Where(e => e.Data.StartsWith('{'))
        .Select(e => SurfaceStreams.Parse(e.Data).GetProperty("choices"))
        .Where(choices => choices.GetArrayLength() > 0 && choices[0].GetProperty("delta").TryGetProperty("content", out _))
        .Select(choices => choices[0].GetProperty("delta").GetProperty("content").GetString()));

    /// <summary>The message text of the chat completion in line <paramref name="line"/> of a batch output file.</summary>
    private static string ChatText(string file, int line) =>
        SurfaceStreams.Parse(file.Split('\n')[line]).GetProperty("response").GetProperty("body").GetProperty("choices")[0]
            .GetProperty("message").GetProperty("content").GetString()!;

    /// <summary>The text of a response object's first <c>output_text</c> part.</summary>
    private static string OutputText(string responseJson)
    {
        using JsonDocument document = JsonDocument.Parse(responseJson);
        foreach (JsonElement item in document.RootElement.GetProperty("output").EnumerateArray())
        {
            if (item.GetProperty("type").ValueEquals("message"))
            {
                return item.GetProperty("content")[0].GetProperty("text").GetString()!;
            }
        }

        throw new InvalidOperationException("The response has no message.");
    }

    /// <summary>
    /// The paragraph <paramref name="text"/> adds after <paramref name="marked"/>, asserted to be one of the registered
    /// candidates of a topic (the canary the marker drew).
    /// </summary>
    private static async Task<string> CanaryParagraphAsync(MarkingServiceHost service, string text, string marked)
    {
        Assert.StartsWith(marked + "\n\n", text, StringComparison.Ordinal);
        string paragraph = text[(marked.Length + 2)..];
        List<CanaryRecord> registered = [];
        await foreach (CanaryRecord record in service.Services.GetRequiredService<ICanaryRegistry>().ListAsync())
        {
            registered.Add(record);
        }

        Assert.Contains(registered, r => r.Candidates.Contains(paragraph));
        return paragraph;
    }

    /// <summary>How many responses the issuance log holds as carrying a canary for <paramref name="account"/>.</summary>
    private static async Task<long> CanaryIssuancesAsync(MarkingServiceHost service, string account)
    {
        IReadOnlyList<AccountIssuance> totals = await service.Issuance.QueryAsync(DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)), DateOnly.FromDateTime(DateTime.UtcNow.AddDays(1)));
        return totals.Where(t => t.AccountId == account).SelectMany(t => t.CanaryTopics.Values).Sum();
    }

    private static CreateResponseOptions Options(bool stream) => new()
    {
        Model = "gpt-test",
        InputItems = { ResponseItem.CreateUserMessageItem("When do cafés open?") },
        StreamingEnabled = stream,
    };

    private static ResponsesClient ResponsesClientOf(MarkingServiceHost service, string key) => new(new ApiKeyCredential(key), new ResponsesClientOptions
    {
        Endpoint = new Uri(service.BaseAddress, "v1"),
        RetryPolicy = new ClientRetryPolicy(0),
        NetworkTimeout = TimeSpan.FromSeconds(30),
    });

    private static TextMarker AccountMarker(string account) => new(
        CanaryLexicon.Default, LexiconLayers.Create(CanaryLexicon.Default, MarkingServiceHost.KeyRing),
        MarkingServiceHost.KeyRing.Global, MarkingServiceHost.KeyRing.ForAccount(account));

    /// <summary>
    /// The upstream's JSON escapes non-ASCII (<c>\u00e9</c>); the proxy writes marked strings with the relaxed encoder
    /// (<c>é</c>). Both sides of a comparison are read with every escape undone, so only the text and the bytes around it count.
    /// </summary>
    private static string Relaxed(string json) => System.Text.RegularExpressions.Regex.Unescape(json);

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? json, string key)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (path.StartsWith("openai", StringComparison.Ordinal))
        {
            request.Headers.Add("api-key", key);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http.SendAsync(request);
    }
}
