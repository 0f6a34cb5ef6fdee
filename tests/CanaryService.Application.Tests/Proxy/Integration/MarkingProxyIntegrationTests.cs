using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Core.Issuance;
using CanaryService.Testing;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace CanaryService.Application.Tests.Proxy.Integration;

/// <summary>
/// The marking proxy as the Host wires it (<c>AddCanaryService</c>: the engine's <see cref="CanaryMarker"/>, storage on
/// Azurite), a fake upstream on loopback Kestrel, and the official OpenAI SDK as the client.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ProxyStorageCollection.Name)]
public sealed class MarkingProxyIntegrationTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string OtherAccount = "someone-else";
    private FakeOpenAiServer _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Answers_arrive_marked_by_the_engine_with_the_accounts_keys_and_streamed_text_equals_the_whole_text()
    {
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress);
        EngineMarks.Serve(_upstream, EngineMarks.Answer, new Random(5));
        const string Prompt = "When do cafés open?";

        // The front door names the account.
        ChatClient viaHeader = service.Client("sk-integration-header-caller", account: "acct-north");
        ChatCompletion completion = await viaHeader.CompleteChatAsync([new UserChatMessage(Prompt)]);
        string marked = completion.Content[0].Text;
        Assert.True(EngineMarks.AssertDiffersOnlyInLexiconWords(EngineMarks.Answer, marked) > 0);
        Assert.True(EngineMarks.AssertCarriesKeyedChoices(marked, "acct-north", OtherAccount) > 0);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(46, completion.Usage.TotalTokenCount);

        // The same upstream answer streamed, its deltas and bytes cut inside words and multi-byte characters.
        for (int run = 0; run < 6; run++)
        {
            (string streamed, ChatFinishReason? finish, int? tokens) = await StreamAsync(viaHeader, Prompt);
            Assert.Equal(marked, streamed);
            Assert.Equal(ChatFinishReason.Stop, finish);
            Assert.Equal(46, tokens);
        }

        // Without the header, the account is the salted hash of the caller's key: other account marks.
        const string Key = "sk-integration-alpha-0001";
        ChatClient viaKey = service.Client(Key);
        string keyMarked = (await viaKey.CompleteChatAsync([new UserChatMessage(Prompt)])).Value.Content[0].Text;
        EngineMarks.AssertDiffersOnlyInLexiconWords(EngineMarks.Answer, keyMarked);
        Assert.True(EngineMarks.AssertCarriesKeyedChoices(keyMarked, MarkingServiceHost.AccountOfKey(Key), "acct-north") > 0);
        Assert.NotEqual(marked, keyMarked);
        Assert.Equal(keyMarked, (await StreamAsync(viaKey, Prompt)).Text);
    }

    [Fact]
    public async Task Only_content_strings_change_and_unknown_fields_usage_fingerprint_tool_calls_and_json_mode_come_through()
    {
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress);
        const string Key = "sk-integration-fields-0002";
        string text = EngineMarks.Answer + "\nShe said \"usually\" and left.\tTabs\\slashes stay.";
        string body = "{\"id\":\"chatcmpl-x\",\"object\":\"chat.completion\",\"created\":1763850000,\"model\":\"gpt-test\",\"choices\":[" +
            "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + JsonSerializer.Serialize(text) + ",\"refusal\":null,\"x_vendor\":{\"a\":1.50}},\"logprobs\":null,\"finish_reason\":\"stop\"}," +
            "{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_menu\",\"arguments\":\"{\\\"note\\\":\\\"many cafés usually\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]," +
            "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3,\"completion_tokens_details\":{\"reasoning_tokens\":0}}," +
            "\"system_fingerprint\":\"fp_\\u00e9\",\"service_tier\":\"default\",\"x_unknown\":[1e3,-0.0,null,\"usually\"]}";
        _upstream.Handler = (context, _) => ChatAnswers.WriteJsonAsync(context.Response, 200, body);

        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent("{\"model\":\"gpt-test\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"menu?\"}]}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string returned = await response.Content.ReadAsStringAsync();

        // Outside the content strings every byte is the upstream's; the content is the engine's marking of the text.
        (string upstreamSkeleton, List<string?> upstreamContents) = JsonContents.CutOut(body);
        (string returnedSkeleton, List<string?> returnedContents) = JsonContents.CutOut(returned);
        Assert.Equal(upstreamSkeleton, returnedSkeleton);
        string account = MarkingServiceHost.AccountOfKey(Key);
        string expected = AccountMarker(account).Mark(text);
        Assert.NotEqual(text, expected);
        Assert.Equal(new string?[] { expected, null }, returnedContents);
        Assert.Equal(new string?[] { text, null }, upstreamContents);

        // The SDK reads the same answer (first choice) with its known fields.
        ChatCompletion completion = await service.Client(Key).CompleteChatAsync([new UserChatMessage("menu?")]);
        Assert.Equal(expected, completion.Content[0].Text);
        Assert.Equal("fp_é", completion.SystemFingerprint);
        Assert.Equal(3, completion.Usage.TotalTokenCount);
        Assert.Equal(0, completion.Usage.OutputTokenDetails.ReasoningTokenCount);

        // JSON mode answers are never marked, streamed or not, and are not counted as marked responses.
        const string Json = "{\"answer\":\"Many cafés usually open early; moreover, they often close late.\"}";
        EngineMarks.Serve(_upstream, Json, new Random(3));
        foreach (ChatResponseFormat format in new[]
        {
            ChatResponseFormat.CreateJsonObjectFormat(),
            ChatResponseFormat.CreateJsonSchemaFormat("answer", BinaryData.FromString("{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\"}}}")),
        })
        {
            var options = new ChatCompletionOptions { ResponseFormat = format };
            Assert.Equal(Json, (await service.Client(Key).CompleteChatAsync([new UserChatMessage("json please")], options)).Value.Content[0].Text);
            Assert.Equal(Json, (await StreamAsync(service.Client(Key), "json please", options)).Text);
        }

        await service.Issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Dictionary<string, (long Responses, long MarkedChoices)> issued = await IssuanceByAccountAsync(service);
        Assert.Equal((2L, 2L), issued[account]); // the n = 2 answer (one choice had text) and the SDK's call
    }

    [Fact]
    public async Task Issuance_rows_in_Azurite_match_the_requests_per_account_and_no_raw_key_is_stored()
    {
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress);
        const string NorthKey = "sk-integration-north-secret-0003", AlphaKey = "sk-integration-alpha-secret-0004";
        const string BetaKey = "sk-integration-beta-secret-0005", GammaKey = "azure-integration-gamma-secret-0006";
        var random = new Random(9);
        _upstream.Handler = (context, request) =>
        {
            string prompt = Encoding.UTF8.GetString(request.Body);
            if (prompt.Contains("fail", StringComparison.Ordinal))
            {
                return ChatAnswers.WriteJsonAsync(context.Response, 500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
            }

            if (prompt.Contains("\"n\":2", StringComparison.Ordinal))
            {
                return ChatAnswers.WriteCompletionAsync(context.Response, EngineMarks.Answer, "Many cafés usually open early.");
            }

            return EngineMarks.AsksForStream(request)
                ? ChatAnswers.WriteEventStreamAsync(context.Response, ChatAnswers.Stream(ChatAnswers.Split(EngineMarks.Answer, random)), random)
                : ChatAnswers.WriteCompletionAsync(context.Response, EngineMarks.Answer);
        };

        ChatClient north = service.Client(NorthKey, account: "acct-north");
        ChatClient alpha = service.Client(AlphaKey);
        ChatClient beta = service.Client(BetaKey);
        var sends = new List<Task>();
        for (int i = 0; i < 3; i++)
        {
            sends.Add(north.CompleteChatAsync([new UserChatMessage("When do cafés open?")]));
            sends.Add(StreamAsync(alpha, "When do cafés open?"));
        }

        sends.Add(StreamAsync(north, "When do cafés open?"));
        sends.Add(alpha.CompleteChatAsync([new UserChatMessage("When do cafés open?")]));
        sends.Add(beta.CompleteChatAsync([new UserChatMessage("When do cafés open?")]));
        await Task.WhenAll(sends);

        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        // n = 2 for alpha: one response, two marked choices.
        using (HttpResponseMessage two = await PostAsync(http, "v1/chat/completions", "{\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"cafés\"}]}", bearer: AlphaKey))
        {
            Assert.Equal(HttpStatusCode.OK, two.StatusCode);
        }

        // The Azure OpenAI form with an api-key header.
        using (HttpResponseMessage azure = await PostAsync(http, "openai/deployments/gpt4o/chat/completions?api-version=2024-10-21",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"cafés\"}]}", apiKey: GammaKey))
        {
            Assert.Equal(HttpStatusCode.OK, azure.StatusCode);
        }

        // An upstream error is passed through and nothing is issued for it.
        using (HttpResponseMessage failed = await PostAsync(http, "v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"fail\"}]}", bearer: BetaKey))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        await service.Issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Dictionary<string, (long Responses, long MarkedChoices)> issued = await IssuanceByAccountAsync(service);
        Assert.Equal(
            new Dictionary<string, (long, long)>
            {
                ["acct-north"] = (4, 4),
                [MarkingServiceHost.AccountOfKey(AlphaKey)] = (5, 6),
                [MarkingServiceHost.AccountOfKey(BetaKey)] = (1, 1),
                [MarkingServiceHost.AccountOfKey(GammaKey)] = (1, 1),
            },
            issued);

        string[] rawKeys = [NorthKey, AlphaKey, BetaKey, GammaKey];
        int entities = 0;
        foreach (TableClient table in service.AllTables)
        {
            await foreach (TableEntity entity in table.QueryAsync<TableEntity>())
            {
                entities++;
                foreach (KeyValuePair<string, object> property in entity)
                {
                    string value = Convert.ToString(property.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                    foreach (string raw in rawKeys)
                    {
                        Assert.DoesNotContain(raw, value, StringComparison.Ordinal);
                        Assert.DoesNotContain(raw, property.Key, StringComparison.Ordinal);
                    }
                }
            }
        }

        Assert.True(entities >= 4);
    }

    [Fact]
    public async Task A_phrase_canary_is_registered_in_Azurite_before_it_is_emitted_and_its_topic_is_recorded_in_issuance()
    {
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, _upstream.BaseAddress,
            [new("Canary:PhraseRate", "1")]);
        const string Key = "sk-integration-phrase-0007";
        const string Prompt = "How should I size PostgreSQL connection pools for PostgreSQL read replicas?";
        const string FirstParagraph = "Start from the number of cores on the replica, not from the number of clients that connect to it. " +
            "Pools that are too large usually hurt, because every idle connection holds memory and every busy one competes for the same disks.";
        const string SecondParagraph = "Measure the wait time under load, and grow the pool only while it falls.";
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.Handler = async (context, request) =>
        {
            if (!EngineMarks.AsksForStream(request))
            {
                await ChatAnswers.WriteCompletionAsync(context.Response, FirstParagraph + "\n\n" + SecondParagraph);
                return;
            }

            // The first paragraph, then a pause before the rest (the canary closes the answer, after all of it).
            string sse = ChatAnswers.Stream([FirstParagraph, "\n\n", SecondParagraph]);
            int cut = sse.IndexOf("\"\\n\\n\"", StringComparison.Ordinal);
            cut = sse.LastIndexOf("data:", cut, StringComparison.Ordinal);
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(sse[..cut]);
            await context.Response.Body.FlushAsync();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await context.Response.WriteAsync(sse[cut..]);
        };

        ICanaryRegistry registry = service.Services.GetRequiredService<ICanaryRegistry>();
        Assert.Empty(await registry.ListAsync().ToListAsync());

        // Streamed: by the time the first chunk reaches the caller the registry row is in Azurite, and no part of the
        // canary can have been emitted yet (the upstream has not finished the answer it closes).
        var streamed = new StringBuilder();
        CanaryRecord? registered = null;
        await foreach (StreamingChatCompletionUpdate update in service.Client(Key).CompleteChatStreamingAsync([new UserChatMessage(Prompt)]))
        {
            if (registered is null)
            {
                registered = Assert.Single(await registry.ListAsync().ToListAsync());
                Assert.Equal(1, await CountAsync(service.RegistryTable));
                release.SetResult();
            }

            streamed.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        Assert.NotNull(registered);
        int realIndex = new PhraseCanaryDetector(MarkingServiceHost.KeyRing).RealIndex(registered);
        Assert.True(realIndex >= 0, "the registered row opens with the service's key ring");
        string emitted = registered.Candidates[realIndex];
        string streamedText = streamed.ToString();
        Assert.Contains(emitted, streamedText, StringComparison.Ordinal);
        Assert.True(streamedText.IndexOf(emitted, StringComparison.Ordinal) > FirstParagraph.Length);

        // Not streamed: the same canary; the whole text equals the streamed one.
        ChatCompletion whole = await service.Client(Key).CompleteChatAsync([new UserChatMessage(Prompt)]);
        Assert.Equal(streamedText, whole.Content[0].Text);
        Assert.Single(await registry.ListAsync().ToListAsync());

        await service.Issuance.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        string account = MarkingServiceHost.AccountOfKey(Key);
        TableEntity[] rows = [.. await service.IssuanceTable.QueryAsync<TableEntity>().ToListAsync()];
        TableEntity topicRow = Assert.Single(rows, r => r.GetString("Topic") is not null);
        Assert.Equal((account, registered.Epoch, registered.Topic, 2L),
            (topicRow.GetString("Account"), topicRow.GetString("Epoch"), topicRow.GetString("Topic"), topicRow.GetInt64("Responses")));
        TableEntity dayRow = Assert.Single(rows, r => r.GetString("Topic") is null);
        Assert.Equal((2L, 2L), (dayRow.GetInt64("Responses"), dayRow.GetInt64("Canaries")));
    }

    private static TextMarker AccountMarker(string account) => new(
        CanaryLexicon.Default, LexiconLayers.Create(CanaryLexicon.Default, MarkingServiceHost.KeyRing),
        MarkingServiceHost.KeyRing.Global, MarkingServiceHost.KeyRing.ForAccount(account));

    internal static async Task<(string Text, ChatFinishReason? Finish, int? TotalTokens)> StreamAsync(ChatClient client, string prompt, ChatCompletionOptions? options = null)
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        int? tokens = null;
        await foreach (StreamingChatCompletionUpdate update in client.CompleteChatStreamingAsync([new UserChatMessage(prompt)], options))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            tokens ??= update.Usage?.TotalTokenCount;
        }

        return (text.ToString(), finish, tokens);
    }

    /// <summary>Sums the issuance table's day rows per account: (marked responses, marked choices).</summary>
    internal static async Task<Dictionary<string, (long Responses, long MarkedChoices)>> IssuanceByAccountAsync(MarkingServiceHost service)
    {
        var totals = new Dictionary<string, (long Responses, long MarkedChoices)>(StringComparer.Ordinal);
        await foreach (TableEntity row in service.IssuanceTable.QueryAsync<TableEntity>())
        {
            if (row.GetString("Topic") is not null)
            {
                continue;
            }

            string account = row.GetString("Account")!;
            (long responses, long choices) = totals.GetValueOrDefault(account);
            totals[account] = (responses + row.GetInt64("Responses")!.Value, choices + row.GetInt64("MarkedChoices")!.Value);
        }

        return totals;
    }

    private static async Task<int> CountAsync(TableClient table) => (await table.QueryAsync<TableEntity>().ToListAsync()).Count;

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string json, string? bearer = null, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (apiKey is not null)
        {
            request.Headers.Add("api-key", apiKey);
        }

        return http.SendAsync(request);
    }
}
