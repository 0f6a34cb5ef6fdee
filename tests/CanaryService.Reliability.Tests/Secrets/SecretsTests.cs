using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using CanaryService.Application.Evidence;
using CanaryService.Reliability.Tests.Hostile;
using CanaryService.Reliability.Tests.Infrastructure;
using CanaryService.Testing.Upstream;
using Microsoft.AspNetCore.Http;

namespace CanaryService.Reliability.Tests.Secrets;

/// <summary>
/// Secrets never leave: every host in this project captures all logs at Trace level and every reply, and fails on
/// disposal when the master key (base64, base64url, hex), the upstream key, a competitor key, the admin key or a raw
/// caller key appears in them (<see cref="ReliabilityHost.AssertNoSecretLeaked"/>; the shared host is checked when its
/// collection ends). This class adds a scenario that walks every path, and the admin-key guard on every route.
/// </summary>
[Trait("Category", "Integration")]
[Collection(SharedServiceCollection.Name)]
public sealed class SecretsTests(ServiceFixture service)
{
    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "api/competitors" },
        { "GET", "api/competitors/rival/evidence" },
        { "GET", "api/competitors/rival/report" },
        { "GET", "api/ledger/verify" },
        { "POST", "api/probes/run" },
        { "POST", "api/probes/run?competitor=rival" },
        { "POST", "api/monitor/run" },
        { "GET", "api/operations/0123456789abcdef0123456789abcdef" },
        { "GET", "api/no-such-route" },
        { "DELETE", "api/competitors" },
        { "GET", "API/COMPETITORS" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_evidence_route_refuses_a_missing_or_wrong_admin_key(string method, string path)
    {
        string key = KnownSecrets.AdminKey;
        var attempts = new List<(string Name, Action<HttpRequestMessage> Apply)>
        {
            ("none", _ => { }),
            ("empty", r => r.Headers.TryAddWithoutValidation(AdminKeyMiddleware.HeaderName, "")),
            ("wrong", r => r.Headers.TryAddWithoutValidation(AdminKeyMiddleware.HeaderName, "not-the-key")),
            ("upper-cased", r => r.Headers.TryAddWithoutValidation(AdminKeyMiddleware.HeaderName, key.ToUpperInvariant())),
            ("prefix", r => r.Headers.TryAddWithoutValidation(AdminKeyMiddleware.HeaderName, key[..^1])),
            ("with suffix", r => r.Headers.TryAddWithoutValidation(AdminKeyMiddleware.HeaderName, key + "x")),
            // (Whitespace around the key is not a wrong key: HTTP trims it from header values before anyone sees them.)
            ("twice", r => r.Headers.TryAddWithoutValidation(AdminKeyMiddleware.HeaderName, [key, key])),
            ("as bearer", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key)),
            ("as api-key", r => r.Headers.TryAddWithoutValidation("api-key", key)),
            ("master key", r => r.Headers.TryAddWithoutValidation(AdminKeyMiddleware.HeaderName, KnownSecrets.MasterKey)),
        };
        foreach ((string name, Action<HttpRequestMessage> apply) in attempts)
        {
            var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            apply(request);
            Reply reply = await service.Host.SendAsync(request);
            Assert.True(reply.Status == 401, $"{name}: {reply}");
            AnswerShape.AssertOpenAIError(reply);
        }

        Reply admitted = await service.Host.SendAsync(ReliabilityHost.Admin(new HttpMethod(method), path));
        Assert.NotEqual(401, admitted.Status);
        Assert.InRange(admitted.Status, 200, 499);
    }

    [Fact]
    public async Task A_scenario_over_every_path_leaks_no_secret_into_logs_replies_or_the_upstream()
    {
        await using FakeOpenAiServer upstream = await FakeOpenAiServer.StartAsync();
        await using FakeOpenAiServer goodCompetitor = await FakeOpenAiServer.StartAsync();
        await using FakeOpenAiServer brokenCompetitor = await FakeOpenAiServer.StartAsync();
        upstream.Handler = (context, request) => context.Request.Path.Value!.Contains("fail", StringComparison.Ordinal)
            ? ChatAnswers.WriteJsonAsync(context.Response, 401, "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}")
            : EchoUpstream.HandleAsync(context, request);
        goodCompetitor.Handler = (context, _) => ChatAnswers.WriteCompletionAsync(context.Response,
            "Typically, the first step is to plan carefully. <script>alert(2)</script> Additionally, many people find that it helps to start small.");
        brokenCompetitor.Handler = (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return context.Response.WriteAsync("<script>alert(1)</script> upstream exploded");
        };

        await using ReliabilityHost host = await ReliabilityHost.StartAsync(service.Azurite.ConnectionString, upstream.BaseAddress,
        [
            new("Upstream:ApiKey", ""), // the callers' own keys are forwarded: they must still never be logged or echoed
            .. Competitor(0, "good", goodCompetitor.BaseAddress),
            .. Competitor(1, "broken", brokenCompetitor.BaseAddress),
        ]);

        // The proxy: callers' keys as bearer and as api-key, OpenAI and Azure routes, streamed and not, errors.
        for (int i = 0; i < 6; i++)
        {
            HttpRequestMessage request = ReliabilityHost.Chat(HostileCase.UserMessage("Typically, it helps to start small.", i % 2 == 0 ? ",\"stream\":true" : ""), "scenario" + i,
                i < 3 ? "v1/chat/completions" : "openai/deployments/gpt/chat/completions?api-version=1");
            if (i >= 3)
            {
                request.Headers.Authorization = null;
                request.Headers.TryAddWithoutValidation("api-key", KnownSecrets.CallerKey("azure" + i));
            }

            Assert.Equal(200, (await host.SendAsync(request)).Status);
        }

        Assert.Equal(401, (await host.SendAsync(ReliabilityHost.Chat(HostileCase.UserMessage("hi"), "failing", "v1/fail/chat/completions"))).Status);
        Assert.Equal(400, (await host.SendAsync(ReliabilityHost.Chat("{not json", "badjson"))).Status);

        // The evidence API: a probe run with a failing competitor, then every read.
        // The run is a long operation: 202 with a status URL, polled until it ends (every reply is scanned for secrets).
        Reply accepted = await host.SendAsync(ReliabilityHost.Admin(HttpMethod.Post, "api/probes/run"));
        Assert.True(accepted.Status == 202, accepted.ToString());
        string statusUrl;
        using (JsonDocument body = JsonDocument.Parse(accepted.Body))
        {
            statusUrl = body.RootElement.GetProperty("statusUrl").GetString()!;
        }

        Reply run;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (true)
            {
                run = await host.SendAsync(ReliabilityHost.Admin(HttpMethod.Get, statusUrl.TrimStart('/')));
                Assert.True(run.Status == 200, run.ToString());
                if (run.Body.Contains("\"status\":\"succeeded\"", StringComparison.Ordinal) || run.Body.Contains("\"status\":\"failed\"", StringComparison.Ordinal))
                {
                    break;
                }

                await Task.Delay(100, deadline.Token);
            }
        }

        Assert.Contains("\"status\":\"succeeded\"", run.Body, StringComparison.Ordinal);   // one competitor answered
        Assert.Contains("\"failed\"", run.Body, StringComparison.Ordinal);                     // the broken one's run failed
        foreach (string path in new[] { "api/competitors", "api/competitors/good/evidence", "api/competitors/good/report", "api/competitors/broken/report", "api/ledger/verify" })
        {
            Reply read = await host.SendAsync(ReliabilityHost.Admin(HttpMethod.Get, path));
            Assert.True(read.Status == 200, $"{path}: {read}");
            Assert.DoesNotContain("<script>", read.Body, StringComparison.OrdinalIgnoreCase); // competitors' text is escaped in the report
        }

        await host.StopAsync();

        // The logs are complete (Trace level, from the framework and from the service), and the scanner can find a secret.
        Assert.Contains(host.Logs, l => l.StartsWith("Trace ", StringComparison.Ordinal));
        Assert.Contains(host.Logs, l => l.Contains(" CanaryService.", StringComparison.Ordinal));
        Assert.Contains("a raw caller key", KnownSecrets.FoundIn(string.Join("\n", upstream.Requests.SelectMany(r => r.Headers.Values))));
        Assert.Contains("competitor key", KnownSecrets.FoundIn(string.Join("\n", goodCompetitor.Requests.SelectMany(r => r.Headers.Values))));
        host.AssertNoSecretLeaked();

        // What the upstream received: never the master key or the admin key.
        foreach (ReceivedRequest received in upstream.Requests)
        {
            string everything = string.Join("\n", received.Headers.Select(h => h.Key + ": " + h.Value)) + "\n" + System.Text.Encoding.UTF8.GetString(received.Body);
            Assert.DoesNotContain(KnownSecrets.MasterKey, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexStringLower(KnownSecrets.MasterKeyBytes), everything, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(KnownSecrets.AdminKey, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_admin_key_never_reaches_the_upstream_even_on_unknown_api_paths()
    {
        int before = service.Upstream.Requests.Count;
        foreach ((HttpMethod method, string path) in new[] { (HttpMethod.Delete, "api/competitors"), (HttpMethod.Get, "api/probes/run"), (HttpMethod.Put, "api/x/y"), (HttpMethod.Get, "api") })
        {
            Reply reply = await service.Host.SendAsync(ReliabilityHost.Admin(method, path));
            Assert.True(reply.Status == 404, reply.ToString());
            AnswerShape.AssertOpenAIError(reply);
        }

        Assert.Equal(before, service.Upstream.Requests.Count);
        Assert.DoesNotContain(service.Upstream.Requests, r => r.Headers.ContainsKey(AdminKeyMiddleware.HeaderName));
    }

    private static Dictionary<string, string?> Competitor(int index, string name, Uri baseUrl) => new()
    {
        [$"Probe:Competitors:{index}:Name"] = name,
        [$"Probe:Competitors:{index}:BaseUrl"] = baseUrl + "v1",
        [$"Probe:Competitors:{index}:Model"] = "fake-model",
        [$"Probe:Competitors:{index}:ApiKey"] = KnownSecrets.CompetitorApiKey,
        [$"Probe:Competitors:{index}:MaxRequestsPerRun"] = "4",
        [$"Probe:Competitors:{index}:MaxRetries"] = "1",
        [$"Probe:Competitors:{index}:TimeoutSeconds"] = "5",
        [$"Probe:Competitors:{index}:Concurrency"] = "2",
        [$"Probe:Competitors:{index}:RequestsPerMinute"] = 60000.ToString(CultureInfo.InvariantCulture),
    };
}
