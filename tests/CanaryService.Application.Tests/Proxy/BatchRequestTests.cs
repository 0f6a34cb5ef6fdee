using System.Buffers;
using System.Text;
using CanaryService.Application.Proxy.Forwarding;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Testing.InMemory;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Application.Tests.Proxy;

/// <summary>A batch's input read for the prompts of its lines, and its output marked line by line with what they drew.</summary>
public sealed class BatchRequestTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public async Task An_upstream_that_never_lists_its_batches_delays_the_download_by_half_the_upstream_timeout_and_fails_nothing()
    {
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        string file = SurfaceAnswers.BatchLine("a", ChatAnswers.Completion(Answer)) + "\n";
        upstream.Handler = async (context, request) =>
        {
            if (request.PathAndQuery.Contains("/batches", StringComparison.Ordinal))
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }

            context.Response.ContentType = "application/jsonl";
            await context.Response.WriteAsync(file);
        };
        await using ProxyServer proxy = await ProxyServer.StartAsync(
            new Dictionary<string, string?> { ["Upstream:BaseUrl"] = upstream.BaseAddress.ToString(), ["Upstream:Timeout"] = "00:00:02" },
            ProxyServer.UseTestMarking, TestMarking.Key);
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/files/file-out/content");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk-batch-timeout");

        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SurfaceAnswers.BatchLine("a", ChatAnswers.Completion(TestMarking.Changed(Answer, proxy.AccountOf("sk-batch-timeout")))) + "\n",
            await response.Content.ReadAsStringAsync());
    }

    // Over the 40 words of prose a canary needs.
    private const string Answer =
        "Moreover, many cafes usually open early in the morning, before seven on weekdays. Owners say that commuters want " +
        "coffee on the way to work, and many of them stop for a pastry as well. On weekends the hours usually shift later, " +
        "since fewer people travel early. Check the own page of a cafe for its hours, because they change with the season.";

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Only_the_first_topics_of_a_batch_file_up_to_the_limit_carry_canaries_whatever_the_order_they_register_in()
    {
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        int lines = MarkingPlan.MaxBatchTopics + 1;
        static string Word(int i) => "q" + string.Concat(Enumerable.Range(0, 4).Select(d => (char)('a' + (i / (int)Math.Pow(26, d) % 26))));
        string input = string.Concat(Enumerable.Range(0, lines).Select(i =>
            "{\"custom_id\":\"r" + i + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about " + Word(i) + "\"}]}}\n"));
        string output = string.Concat(Enumerable.Range(0, lines).Select(i => SurfaceAnswers.BatchLine("r" + i, ChatAnswers.Completion(Answer)) + "\n"));
        upstream.Handler = async (context, request) =>
        {
            string path = request.PathAndQuery;
            if (path.Contains("/batches", StringComparison.Ordinal))
            {
                await ChatAnswers.WriteJsonAsync(context.Response, 200,
                    "{\"object\":\"list\",\"data\":[{\"id\":\"batch_1\",\"object\":\"batch\",\"input_file_id\":\"file-in\",\"output_file_id\":\"file-out\",\"created_at\":1764547200}],\"has_more\":false}");
                return;
            }

            context.Response.ContentType = "application/jsonl";
            await context.Response.WriteAsync(path.Contains("file-in", StringComparison.Ordinal) ? input : output);
        };
        await using ProxyServer proxy = await ProxyServer.StartAsync(
            new Dictionary<string, string?> { ["Upstream:BaseUrl"] = upstream.BaseAddress.ToString() },
            services => services.AddSingleton(static provider => new CanaryMarker(
                provider.GetRequiredService<CanaryKeyRing>(), new CanaryMarkerOptions { PhraseRate = 1 }, new InMemoryCanaryRegistry(), TimeProvider.System)));
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/files/file-out/content");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk-batch-topics");

        using HttpResponseMessage response = await http.SendAsync(request);
        string[] downloaded = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Each of the first MaxBatchTopics lines has a topic of its own and carries its canary; the one after carries none.
        bool[] closed = [.. downloaded.Select(line => line.Contains("\\n\\n", StringComparison.Ordinal))];
        Assert.Equal(lines, closed.Length);
        Assert.All(closed[..MarkingPlan.MaxBatchTopics], Assert.True);
        Assert.False(closed[^1]);
    }

    [Fact]
    public void An_input_file_gives_each_requests_prompt_as_the_surface_would_read_it_sent_on_its_own()
    {
        string file = string.Join("\r\n",
            "{\"custom_id\":\"chat\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"When do cafés open?\"}]}}",
            "{\"custom_id\":\"azure\",\"method\":\"POST\",\"url\":\"/chat/completions\",\"body\":{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Tide tables\"}]}]}}",
            "{\"custom_id\":\"json\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"response_format\":{\"type\":\"json_schema\"},\"messages\":[{\"role\":\"user\",\"content\":\"List cafés\"}]}}",
            "{\"custom_id\":\"resp\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":{\"input\":\"Sourdough starters\"}}",
            "{\"custom_id\":\"legacy\",\"method\":\"POST\",\"url\":\"/v1/completions?x=1\",\"body\":{\"prompt\":[\"Once upon\",\"a time\"]}}",
            "{\"custom_id\":\"embed\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{\"input\":\"not an answer\"}}",
            "{\"custom_id\":\"\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":{\"input\":\"no id\"}}",
            "{\"custom_id\":\"nobody\",\"method\":\"POST\",\"url\":\"/v1/responses\"}",
            "not json",
            "",
            "{\"custom_id\":\"surrogate\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":{\"input\":\"\\ud800\"}}") + "\n";

        List<BatchInputLine> lines = BatchInputReader.ParseLines(Encoding.UTF8.GetBytes(file));

        Assert.Equal(
            [
                new BatchInputLine("chat", "When do cafés open?", false),
                new BatchInputLine("azure", "Tide tables", false),
                new BatchInputLine("json", "List cafés", true),
                new BatchInputLine("resp", "Sourdough starters", false),
                new BatchInputLine("legacy", "Once upon\na time", false),
                new BatchInputLine("surrogate", "", false),
            ],
            lines);
    }

    [Fact]
    public async Task An_output_line_takes_its_requests_own_marking_a_structured_request_passes_untouched_and_the_rest_the_files()
    {
        ResponseMarking own = await TestMarking.CreateMarker(new CanaryKeyRing(TestMarking.Key))
            .BeginAsync(new MarkingRequest(TestMarking.Account, "") { Stored = new StoredCanary("x", DateTimeOffset.UtcNow, "2026-12", "cafe+open") });
        string canary = own.Canary!.Sentence;
        string file = SurfaceAnswers.BatchLine("drew", ChatAnswers.Completion(Answer)) + "\n"
            + SurfaceAnswers.BatchLine("structured", ChatAnswers.Completion(Answer)) + "\n"
            + SurfaceAnswers.BatchLine("plain", ChatAnswers.Completion(Answer)) + "\n";
        var marked = new MarkedAnswers(new Dictionary<string, ResponseMarking?> { ["drew"] = own, ["structured"] = null });
        var output = new ArrayBufferWriter<byte>();

        int lines = new BatchOutputRewriter().Rewrite(Encoding.UTF8.GetBytes(file), TestMarking.Begin(), output, marked);

        string changed = TestMarking.Changed(Answer);
        Assert.Equal(
            SurfaceAnswers.BatchLine("drew", ChatAnswers.Completion(changed + "\n\n" + canary)) + "\n"
            + SurfaceAnswers.BatchLine("structured", ChatAnswers.Completion(Answer)) + "\n"
            + SurfaceAnswers.BatchLine("plain", ChatAnswers.Completion(changed)) + "\n",
            Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(2, lines);
        Assert.Equal([(1, own), (1, null)], marked.All);
        Assert.Equal("cafe+open", own.ToIssuance(1).CanaryTopic);
    }
}
