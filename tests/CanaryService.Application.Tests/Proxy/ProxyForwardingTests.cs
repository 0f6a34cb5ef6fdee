using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CanaryService.Core.Issuance;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Http;
using OpenAI;
using OpenAI.Chat;

namespace CanaryService.Application.Tests.Proxy;

[Trait("Category", "Integration")]
public sealed class ProxyForwardingTests : IAsyncLifetime
{
    private const string CallerKey = "sk-caller-1";
    private const string Answer = "Moreover, many cafés usually open early; many café owners say naïve 😀 things, usually.";
    private FakeOpenAiServer _upstream = null!;
    private ProxyServer _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAiServer.StartAsync();
        _proxy = await StartProxyAsync(new Dictionary<string, string?>());
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private Task<ProxyServer> StartProxyAsync(Dictionary<string, string?> extra, string? baseUrl = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Upstream:BaseUrl"] = baseUrl ?? _upstream.BaseAddress.ToString(),
            ["Proxy:MaxRequestBodyBytes"] = "65536",
        };
        foreach ((string key, string? value) in extra)
        {
            settings[key] = value;
        }

        return ProxyServer.StartAsync(settings, ProxyServer.UseTestMarking, TestMarking.Key);
    }

    /// <summary>What the proxy must send for <paramref name="text"/>: the engine's marking for the caller's account, which changes it.</summary>
    private string MarkedFor(string text, string? account = null) => TestMarking.Changed(text, account ?? _proxy.AccountOf(CallerKey));

    private ChatClient Client(ProxyServer? proxy = null, string key = CallerKey) =>
        new("gpt-test", new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri((proxy ?? _proxy).BaseAddress, "/v1"),
            RetryPolicy = new ClientRetryPolicy(0),
        });

    [Fact]
    public async Task A_non_streaming_answer_arrives_marked_and_the_SDK_parses_it()
    {
        _upstream.Handler = (context, _) => ChatAnswers.WriteCompletionAsync(context.Response, Answer);

        ChatCompletion completion = await Client().CompleteChatAsync([new UserChatMessage("When do cafés open?")]);

        Assert.Equal(MarkedFor(Answer), completion.Content[0].Text);
        Assert.Equal("fp_test", completion.SystemFingerprint);
        Assert.Equal(46, completion.Usage.TotalTokenCount);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
    }

    [Fact]
    public async Task Streaming_text_equals_the_non_streaming_text_for_any_split_of_the_upstream_deltas_and_bytes()
    {
        string expected = MarkedFor(Answer);
        var random = new Random(11);
        for (int run = 0; run < 8; run++)
        {
            _upstream.Handler = (context, _) => ChatAnswers.WriteEventStreamAsync(context.Response, ChatAnswers.Stream(ChatAnswers.Split(Answer, random)), random);
            var text = new StringBuilder();
            ChatFinishReason? finish = null;
            int? totalTokens = null;
            await foreach (StreamingChatCompletionUpdate update in Client().CompleteChatStreamingAsync([new UserChatMessage("When do cafés open?")]))
            {
                foreach (ChatMessageContentPart part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }

                finish ??= update.FinishReason;
                totalTokens ??= update.Usage?.TotalTokenCount;
            }

            Assert.Equal(expected, text.ToString());
            Assert.Equal(ChatFinishReason.Stop, finish);
            Assert.Equal(46, totalTokens);
        }
    }

    [Fact]
    public async Task Unknown_fields_numbers_and_escapes_come_back_byte_for_byte_and_only_content_changes()
    {
        const string Body = "{\"id\":\"chatcmpl-x\",\"object\":\"chat.completion\",\"created\":1763850000,\"model\":\"gpt-test\"," +
            "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"so many\",\"x_vendor\":{\"a\":1.50}},\"finish_reason\":\"stop\"}]," +
            "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3,\"completion_tokens_details\":{\"reasoning_tokens\":0}}," +
            "\"system_fingerprint\":\"fp_\\u00e9\",\"service_tier\":\"default\",\"x_unknown\":[1e3,-0.0,null]}";
        _upstream.Handler = (context, _) => ChatAnswers.WriteJsonAsync(context.Response, 200, Body);

        using var http = new HttpClient { BaseAddress = _proxy.BaseAddress };
        using HttpResponseMessage response = await http.PostAsync("/v1/chat/completions",
            new StringContent("{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Body.Replace("\"so many\"", "\"" + MarkedFor("so many", AccountIds.Anonymous) + "\"", StringComparison.Ordinal), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Tool_calls_and_json_mode_answers_come_back_untouched()
    {
        const string ToolCallBody = "{\"id\":\"chatcmpl-t\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-test\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null," +
            "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"many\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}";
        _upstream.Handler = (context, _) => ChatAnswers.WriteJsonAsync(context.Response, 200, ToolCallBody);
        ChatCompletion tools = await Client().CompleteChatAsync([new UserChatMessage("weather?")]);
        Assert.Equal("get_weather", tools.ToolCalls[0].FunctionName);
        Assert.Equal("{\"city\":\"many\"}", tools.ToolCalls[0].FunctionArguments.ToString());

        const string Json = "{\"answer\": \"many usually\"}";
        _upstream.Handler = (context, _) => ChatAnswers.WriteCompletionAsync(context.Response, Json);
        ChatCompletion jsonMode = await Client().CompleteChatAsync([new UserChatMessage("json please")],
            new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() });
        Assert.Equal(Json, jsonMode.Content[0].Text);

        _upstream.Handler = (context, _) => ChatAnswers.WriteCompletionAsync(context.Response, "so many", "usually");
        using var http = new HttpClient { BaseAddress = _proxy.BaseAddress };
        using HttpResponseMessage two = await http.PostAsync("/v1/chat/completions", new StringContent("{\"n\":2,\"messages\":[]}", Encoding.UTF8, "application/json"));
        using JsonDocument document = JsonDocument.Parse(await two.Content.ReadAsStringAsync());
        Assert.Equal([MarkedFor("so many", AccountIds.Anonymous), MarkedFor("usually", AccountIds.Anonymous)], document.RootElement.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("message").GetProperty("content").GetString()));
    }

    [Theory]
    [InlineData(401, "invalid_api_key")]
    [InlineData(429, "rate_limit_exceeded")]
    [InlineData(500, "server_error")]
    public async Task Upstream_errors_reach_the_client_with_their_status_and_body(int status, string code)
    {
        string body = "{\"error\":{\"message\":\"upstream says no\",\"type\":\"x\",\"param\":null,\"code\":\"" + code + "\"}}";
        _upstream.Handler = (context, _) => ChatAnswers.WriteJsonAsync(context.Response, status, body);

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => Client().CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(status, error.Status);
        Assert.Equal(body, error.GetRawResponse()!.Content.ToString());
    }

    [Fact]
    public async Task A_mid_stream_upstream_disconnect_reaches_the_client_as_a_broken_stream()
    {
        _upstream.Handler = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(ChatAnswers.Chunk(0, "{\"content\":\"so many \"}"));
            await context.Response.Body.FlushAsync();
            await Task.Delay(50);
            context.Abort();
        };

        var received = new StringBuilder();
        Exception? failure = await Record.ExceptionAsync(async () =>
        {
            await foreach (StreamingChatCompletionUpdate update in Client().CompleteChatStreamingAsync([new UserChatMessage("hi")]))
            {
                received.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            }
        });

        Assert.NotNull(failure);
        Assert.Equal(MarkedFor("so many "), received.ToString());
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_the_upstream_call()
    {
        var upstreamCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.Handler = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(ChatAnswers.Chunk(0, "{\"content\":\"first \"}"));
            await context.Response.Body.FlushAsync();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                upstreamCancelled.SetResult();
            }
        };

        using var http = new HttpClient { BaseAddress = _proxy.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("{\"stream\":true,\"messages\":[]}", Encoding.UTF8, "application/json"),
        };
        using (HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            await using Stream stream = await response.Content.ReadAsStreamAsync();
            byte[] buffer = new byte[256];
            Assert.True(await stream.ReadAsync(buffer) > 0);
        }

        await upstreamCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Bad_and_oversized_requests_get_OpenAI_shaped_4xx()
    {
        using var http = new HttpClient { BaseAddress = _proxy.BaseAddress };
        foreach (string bad in new[] { "{not json", "[1]", "\"text\"", new string('[', 200) + new string(']', 200) })
        {
            using HttpResponseMessage response = await http.PostAsync("/v1/chat/completions", new StringContent(bad, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            await AssertOpenAIErrorAsync(response, "invalid_request_error");
        }

        using var invalidUtf8 = new ByteArrayContent([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        using HttpResponseMessage utf8 = await http.PostAsync("/openai/deployments/d1/chat/completions", invalidUtf8);
        Assert.Equal(HttpStatusCode.BadRequest, utf8.StatusCode);

        using HttpResponseMessage large = await http.PostAsync("/v1/chat/completions", new StringContent("{\"x\":\"" + new string('a', 70_000) + "\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        await AssertOpenAIErrorAsync(large, "invalid_request_error");

        // Without a Content-Length (chunked), the limit still holds.
        using var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"x\":\"" + new string('a', 70_000) + "\"}")));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var chunkedRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = chunked };
        chunkedRequest.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage largeChunked = await http.SendAsync(chunkedRequest);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, largeChunked.StatusCode);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task A_declared_length_beyond_any_array_gets_413_even_when_the_setting_allows_it()
    {
        await using ProxyServer generous = await StartProxyAsync(new() { ["Proxy:MaxRequestBodyBytes"] = "5000000000" });
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, generous.BaseAddress.Port);
        await using System.Net.Sockets.NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\nContent-Length: 3000000000\r\n\r\n{\"x\":"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? status = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("HTTP/1.1 413 Payload Too Large", status);
        string rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        string body = rest[(rest.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        await AssertOpenAIErrorAsync(body, "invalid_request_error");
        Assert.Contains($"limit of {Array.MaxLength} bytes", body, StringComparison.Ordinal);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task An_unreachable_upstream_gives_502_and_a_silent_one_504_both_OpenAI_shaped()
    {
        int freePort;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            freePort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using (ProxyServer unreachable = await StartProxyAsync([], $"http://127.0.0.1:{freePort}"))
        {
            ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => Client(unreachable).CompleteChatAsync([new UserChatMessage("hi")]));
            Assert.Equal(502, error.Status);
            await AssertOpenAIErrorAsync(error.GetRawResponse()!.Content.ToString(), "upstream_error");
        }

        _upstream.Handler = async (context, _) => await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
        await using ProxyServer impatient = await StartProxyAsync(new() { ["Upstream:Timeout"] = "00:00:00.300" });
        ClientResultException timeout = await Assert.ThrowsAsync<ClientResultException>(() => Client(impatient).CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(504, timeout.Status);
        await AssertOpenAIErrorAsync(timeout.GetRawResponse()!.Content.ToString(), "upstream_error");
    }

    [Fact]
    public async Task Paths_are_appended_to_the_base_url_prefix_the_upstream_gets_its_own_host_and_credentials_are_forwarded_or_replaced()
    {
        _upstream.Handler = (context, _) => ChatAnswers.WriteJsonAsync(context.Response, 200, "{\"object\":\"list\",\"data\":[]}");
        await using ProxyServer prefixed = await StartProxyAsync([], new Uri(_upstream.BaseAddress, "/llm/").ToString());
        using var http = new HttpClient { BaseAddress = prefixed.BaseAddress };
        using var models = new HttpRequestMessage(HttpMethod.Get, "/v1/models?limit=2");
        models.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-caller-1");
        using HttpResponseMessage listed = await http.SendAsync(models);
        Assert.Equal("{\"object\":\"list\",\"data\":[]}", await listed.Content.ReadAsStringAsync());
        ReceivedRequest forwarded = Assert.Single(_upstream.Requests);
        Assert.Equal(("GET", "/llm/v1/models?limit=2", "Bearer sk-caller-1"), (forwarded.Method, forwarded.PathAndQuery, forwarded.Headers["Authorization"]));
        string upstreamHost = _upstream.BaseAddress.Authority;
        Assert.NotEqual(prefixed.BaseAddress.Authority, upstreamHost);
        Assert.Equal(upstreamHost, forwarded.Headers["Host"]); // the upstream's own name, not the proxy's (a CDN routes by it)

        _upstream.Handler = (context, _) => ChatAnswers.WriteCompletionAsync(context.Response, "ok");
        await using ProxyServer keyed = await StartProxyAsync(new() { ["Upstream:ApiKey"] = "sk-upstream" });
        await Client(keyed).CompleteChatAsync([new UserChatMessage("hi")]);
        using var azureHttp = new HttpClient { BaseAddress = keyed.BaseAddress };
        using var azure = new HttpRequestMessage(HttpMethod.Post, "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21")
        {
            Content = new StringContent("{\"messages\":[]}", Encoding.UTF8, "application/json"),
        };
        azure.Headers.Add("api-key", "caller-azure-key");
        using HttpResponseMessage azureResponse = await azureHttp.SendAsync(azure);
        Assert.Equal(HttpStatusCode.OK, azureResponse.StatusCode);

        ReceivedRequest[] requests = [.. _upstream.Requests];
        Assert.Equal("Bearer sk-upstream", requests[1].Headers["Authorization"]);
        Assert.All(requests, request => Assert.Equal(upstreamHost, request.Headers["Host"]));
        Assert.Equal("/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21", requests[2].PathAndQuery);
        Assert.Equal("sk-upstream", requests[2].Headers["api-key"]);
        Assert.False(requests[2].Headers.ContainsKey("Authorization"));
        Assert.Equal("{\"messages\":[]}", Encoding.UTF8.GetString(requests[2].Body));
    }

    private static async Task AssertOpenAIErrorAsync(HttpResponseMessage response, string type) =>
        await AssertOpenAIErrorAsync(await response.Content.ReadAsStringAsync(), type);

    private static Task AssertOpenAIErrorAsync(string body, string type)
    {
        using JsonDocument document = JsonDocument.Parse(body);
        JsonElement error = document.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        return Task.CompletedTask;
    }
}
