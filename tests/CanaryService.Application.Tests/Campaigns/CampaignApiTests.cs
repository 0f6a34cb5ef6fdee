using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CanaryService.Application.Evidence;
using CanaryService.Application.Tests.Proxy.Integration;
using CanaryService.Core.Campaigns;
using CanaryService.Testing;
using CanaryService.Testing.Operations;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace CanaryService.Application.Tests.Campaigns;

/// <summary>
/// Traffic through the proxy (the OpenAI SDK, real Kestrel, Azurite) becomes account features; the monitor flags the
/// templated harvesters and links them, and the admin API looks a key up and lists flagged accounts and clusters.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ProxyStorageCollection.Name)]
public sealed class CampaignApiTests(AzuriteFixture azurite)
{
    private static readonly string[] Subjects = ["fern", "invoice", "bicycle", "essay", "wedding", "budget", "guitar", "resume", "kitten", "garden", "podcast", "sourdough"];

    [Fact]
    public async Task Harvesting_keys_are_flagged_and_clustered_and_an_operator_can_look_a_key_up()
    {
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        EngineMarks.Serve(upstream, EngineMarks.Answer, new Random(9));
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, upstream.BaseAddress,
        [
            new("Storage:TrafficFlushInterval", "00:00:00.050"),
            new("Proxy:AccountHeader", ""),
            new("Campaigns:WebhookUrl", "http://127.0.0.1:9/unreachable"), // a failing webhook is logged, never fatal
        ], withApi: true);
        using var api = new HttpClient { BaseAddress = service.BaseAddress };
        api.DefaultRequestHeaders.Add(AdminKeyMiddleware.HeaderName, MarkingServiceHost.AdminKey);

        string[] harvesters = [.. Enumerable.Range(0, 4).Select(i => $"sk-harvest-{i:D2}-0123456789abcdefWXY{i}")];
        string[] customers = [.. Enumerable.Range(0, 12).Select(i => $"sk-customer-{i:D2}-0123456789abcdefghij")];
        var random = new Random(4);
        foreach (string key in harvesters)
        {
            ChatClient client = service.Client(key);
            for (int i = 0; i < 100; i++)
            {
                await client.CompleteChatAsync([new UserChatMessage(
                    $"You are an expert tutor. Solve the following problem step by step, explaining your reasoning.\nProblem: a {Subjects[random.Next(Subjects.Length)]} costs {random.Next(1000)} and {random.Next(1000)} more; what is {random.Next(1000)} of them?\nFinal answer on the last line.")]);
            }
        }

        for (int c = 0; c < customers.Length; c++)
        {
            ChatClient client = service.Client(customers[c]);
            List<ChatMessage> conversation = [];
            for (int i = 0; i < 10 + c % 4; i++)
            {
                if (i % 4 == 0)
                {
                    conversation.Clear();
                }

                conversation.Add(new UserChatMessage(random.Next(3) switch
                {
                    0 => $"hey, could you make my {Subjects[random.Next(Subjects.Length)]} note sound friendlier",
                    1 => $"why is the {Subjects[random.Next(Subjects.Length)]} thing weird",
                    _ => $"shorter please, and mention the {Subjects[random.Next(Subjects.Length)]}",
                }));
                ChatCompletion answer = await client.CompleteChatAsync(conversation);
                conversation.Add(new AssistantChatMessage(answer.Content[0].Text));
            }
        }

        await service.Services.GetRequiredService<ITrafficLog>().FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));

        // Before any run the lists are empty, not an error.
        using (JsonDocument none = await GetAsync(api, "api/clusters"))
        {
            Assert.Equal(0, none.RootElement.GetProperty("data").GetArrayLength());
        }

        using JsonDocument run = await OperationPolling.RunAsync(api, "api/monitor/run");
        Assert.Equal("succeeded", run.RootElement.GetProperty("status").GetString());
        Assert.Equal(harvesters.Length, run.RootElement.GetProperty("result").GetProperty("flagged").GetInt32());

        string[] harvesterAccounts = [.. harvesters.Select(MarkingServiceHost.AccountOfKey).Order(StringComparer.Ordinal)];
        using JsonDocument flagged = await GetAsync(api, "api/accounts?flagged=true");
        JsonElement[] flaggedRows = [.. flagged.RootElement.GetProperty("data").EnumerateArray()];
        Assert.Equal(harvesterAccounts, flaggedRows.Select(r => r.GetProperty("account").GetString()).Order(StringComparer.Ordinal));
        string cluster = flaggedRows[0].GetProperty("cluster").GetString()!;
        Assert.All(flaggedRows, r =>
        {
            Assert.True(r.GetProperty("flagged").GetBoolean());
            Assert.Equal(100, r.GetProperty("requests").GetInt64());
            Assert.True(r.GetProperty("score").GetDouble() > 0);
            Assert.Equal(cluster, r.GetProperty("cluster").GetString());
            string[] reasons = [.. r.GetProperty("reasons").EnumerateArray().Select(x => x.GetString()!)];
            Assert.Contains(reasons, x => x.StartsWith("requests 100 ", StringComparison.Ordinal));
            Assert.Contains(reasons, x => x.StartsWith("template share 1.00", StringComparison.Ordinal));
        });

        using JsonDocument clusters = await GetAsync(api, "api/clusters");
        JsonElement only = Assert.Single(clusters.RootElement.GetProperty("data").EnumerateArray(), c => c.GetProperty("flagged").GetBoolean());
        Assert.Equal(cluster, only.GetProperty("cluster").GetString());
        Assert.Equal(harvesterAccounts, only.GetProperty("accounts").EnumerateArray().Select(a => a.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(400, only.GetProperty("requests").GetInt64());
        Assert.Contains(only.GetProperty("signals").EnumerateArray(), s => s.GetString()!.StartsWith("prompt template", StringComparison.Ordinal));

        // The operator's lookup: the key ending "…WXY2" is account key-…, first and last seen; the key itself is not echoed.
        using HttpResponseMessage lookup = await api.PostAsJsonAsync("api/accounts/lookup", new { apiKey = harvesters[2] });
        Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);
        string lookupBody = await lookup.Content.ReadAsStringAsync();
        Assert.DoesNotContain(harvesters[2], lookupBody, StringComparison.Ordinal);
        using JsonDocument found = JsonDocument.Parse(lookupBody);
        Assert.Equal(MarkingServiceHost.AccountOfKey(harvesters[2]), found.RootElement.GetProperty("account").GetString());
        Assert.Equal("sk-…WXY2", found.RootElement.GetProperty("keyHint").GetString());
        Assert.True(found.RootElement.GetProperty("seen").GetBoolean());
        DateTimeOffset first = found.RootElement.GetProperty("firstSeen").GetDateTimeOffset();
        DateTimeOffset last = found.RootElement.GetProperty("lastSeen").GetDateTimeOffset();
        Assert.True(first < last && last - first < TimeSpan.FromMinutes(10));

        using JsonDocument unknown = JsonDocument.Parse(await (await api.PostAsJsonAsync("api/accounts/lookup", new { apiKey = "sk-never-used-0123456789abcd" })).Content.ReadAsStringAsync());
        Assert.False(unknown.RootElement.GetProperty("seen").GetBoolean());
        Assert.Equal("sk-…abcd", unknown.RootElement.GetProperty("keyHint").GetString());

        // No key stored anywhere, and no prompt word in the traffic features.
        var table = new Azure.Data.Tables.TableClient(service.ConnectionString, service.Storage.TrafficTable);
        await foreach (Azure.Data.Tables.TableEntity row in table.QueryAsync<Azure.Data.Tables.TableEntity>())
        {
            Assert.DoesNotContain(row, p => p.Value?.ToString() is { } v && (v.Contains("sk-harvest", StringComparison.Ordinal) || v.Contains("tutor", StringComparison.Ordinal)));
        }
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"apiKey\":\"\"}")]
    [InlineData("{\"apiKey\":42}")]
    [InlineData("not json")]
    [InlineData("[\"sk-x\"]")]
    public async Task A_bad_lookup_body_is_an_OpenAI_shaped_400(string body)
    {
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        await using MarkingServiceHost service = await MarkingServiceHost.StartAsync(azurite.ConnectionString, upstream.BaseAddress, withApi: true);
        using var api = new HttpClient { BaseAddress = service.BaseAddress };
        api.DefaultRequestHeaders.Add(AdminKeyMiddleware.HeaderName, MarkingServiceHost.AdminKey);

        using HttpResponseMessage response = await api.PostAsync("api/accounts/lookup", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_api_key", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        using HttpResponseMessage badFilter = await api.GetAsync("api/accounts?flagged=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
    }

    private static async Task<JsonDocument> GetAsync(HttpClient api, string path)
    {
        using HttpResponseMessage response = await api.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
