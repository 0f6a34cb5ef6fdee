using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Testing.InMemory;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Proxy;

/// <summary>
/// A stored answer fetched again through the proxy, with the stored-canary index in memory: the canary an entry names
/// goes into the fetched copy, a fetch without an entry carries the lexical watermark alone, and an index that fails
/// never fails the fetch.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StoredAnswerCanaryTests : IAsyncLifetime
{
    private const string CallerKey = "sk-stored-canary-1";
    private const string Answer =
        "Moreover, many cafés usually open early in the morning, before seven on weekdays. Owners say that commuters want " +
        "coffee on the way to work, and many of them stop for a pastry as well. On weekends the hours usually shift later, " +
        "since fewer people travel early. Check the café's own page for its hours, because they change with the season.";

    private static readonly StoredCanary Entry = new("resp_test1", DateTimeOffset.UtcNow, "2026-12", "cafe+morning+open");

    private readonly InMemoryStoredCanaryIndex _index = new();
    private FakeOpenAiServer _upstream = null!;
    private ProxyServer _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAiServer.StartAsync();
        _upstream.Handler = (context, request) =>
            request.PathAndQuery.StartsWith("/v1/chat/completions?", StringComparison.Ordinal) ? ChatAnswers.WriteJsonAsync(context.Response, 200, List(Answer, Answer))
            : request.PathAndQuery.Contains("/chat/completions", StringComparison.Ordinal) ? ChatAnswers.WriteCompletionAsync(context.Response, Answer)
            : ChatAnswers.WriteJsonAsync(context.Response, 200, SurfaceAnswers.Response(Answer));
        _proxy = await ProxyServer.StartAsync(
            new Dictionary<string, string?> { ["Upstream:BaseUrl"] = _upstream.BaseAddress.ToString() },
            services =>
            {
                ProxyServer.UseTestMarking(services);
                services.AddSingleton<IStoredCanaryIndex>(_index);
            },
            TestMarking.Key);
        _index.Record(Entry);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_fetch_carries_the_canary_its_entry_names_and_a_fetch_without_one_the_lexical_marks_alone()
    {
        string account = _proxy.AccountOf(CallerKey);
        string withCanary = await ExpectedAsync(account, Entry);
        Assert.EndsWith("\n\n" + (await CanaryOfAsync(account, Entry)), withCanary, StringComparison.Ordinal);

        Assert.Equal(withCanary, await FetchResponseTextAsync("v1/responses/resp_test1"));
        Assert.Equal(withCanary, await FetchResponseTextAsync("openai/responses/resp_test1?api-version=preview"));
        Assert.Equal(TestMarking.Changed(Answer, account), await FetchResponseTextAsync("v1/responses/resp_other"));

        // A stored chat completion and a metadata update: the same.
        _index.Record(Entry with { ResponseId = "chatcmpl-test1" });
        Assert.Equal(withCanary, await FetchChatTextAsync(HttpMethod.Get, "v1/chat/completions/chatcmpl-test1"));
        Assert.Equal(withCanary, await FetchChatTextAsync(HttpMethod.Post, "v1/chat/completions/chatcmpl-test1"));
        Assert.Equal(TestMarking.Changed(Answer, account), await FetchChatTextAsync(HttpMethod.Get, "v1/chat/completions/chatcmpl-none"));
    }

    [Fact]
    public async Task A_listed_completion_carries_the_canary_its_entry_names_and_the_others_the_lexical_marks_alone()
    {
        string account = _proxy.AccountOf(CallerKey);
        _index.Record(Entry with { ResponseId = "chatcmpl-test1" });
        string withCanary = await ExpectedAsync(account, Entry), plain = TestMarking.Changed(Answer, account);
        Assert.NotEqual(plain, withCanary);

        using JsonDocument list = JsonDocument.Parse(await SendAsync(HttpMethod.Get, "v1/chat/completions?limit=2"));
        string[] texts = [.. list.RootElement.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!)];
        Assert.Equal([withCanary, plain], texts);

        // A failing index: the list is still answered, every completion lexically marked.
        _index.Fault = new IOException("storage is down");
        using JsonDocument listed = JsonDocument.Parse(await SendAsync(HttpMethod.Get, "v1/chat/completions?limit=2"));
        Assert.All(listed.RootElement.GetProperty("data").EnumerateArray(), c => Assert.Equal(plain, c.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()));
    }

    [Fact]
    public async Task An_index_that_fails_leaves_the_fetch_answered_with_the_lexical_marks_alone()
    {
        _index.Fault = new IOException("storage is down");
        Assert.Equal(TestMarking.Changed(Answer, _proxy.AccountOf(CallerKey)), await FetchResponseTextAsync("v1/responses/resp_test1"));

        _index.Fault = null;
        Assert.Equal(await ExpectedAsync(_proxy.AccountOf(CallerKey), Entry), await FetchResponseTextAsync("v1/responses/resp_test1"));
    }

    /// <summary>A list of stored chat completions: the first with the id the index knows, the second with another.</summary>
    private static string List(string first, string second) =>
        "{\"object\":\"list\",\"data\":[" + ChatAnswers.Completion(first) + "," + ChatAnswers.Completion(second).Replace("chatcmpl-test1", "chatcmpl-two", StringComparison.Ordinal)
        + "],\"first_id\":\"chatcmpl-test1\",\"last_id\":\"chatcmpl-two\",\"has_more\":false}";

    /// <summary>The engine's marking of <see cref="Answer"/> for <paramref name="account"/>, closed with the canary <paramref name="entry"/> names.</summary>
    private static async Task<string> ExpectedAsync(string account, StoredCanary entry)
    {
        ResponseMarking marking = await TestMarking.CreateMarker(new CanaryKeyRing(TestMarking.Key)).BeginAsync(new MarkingRequest(account, "") { Stored = entry });
        return marking.MarkText(Answer, 0);
    }

    private static async Task<string> CanaryOfAsync(string account, StoredCanary entry) =>
        (await TestMarking.CreateMarker(new CanaryKeyRing(TestMarking.Key)).BeginAsync(new MarkingRequest(account, "") { Stored = entry })).Canary!.Sentence;

    private async Task<string> FetchResponseTextAsync(string path)
    {
        using JsonDocument body = JsonDocument.Parse(await SendAsync(HttpMethod.Get, path));
        return body.RootElement.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString()!;
    }

    private async Task<string> FetchChatTextAsync(HttpMethod method, string path)
    {
        using JsonDocument body = JsonDocument.Parse(await SendAsync(method, path));
        return body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    private async Task<string> SendAsync(HttpMethod method, string path)
    {
        using var http = new HttpClient { BaseAddress = _proxy.BaseAddress };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", CallerKey);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("{\"metadata\":{\"team\":\"a\"}}", System.Text.Encoding.UTF8, "application/json");
        }

        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
