using System.Net;
using System.Text;
using System.Text.Json;
using CanaryService.Application.Evidence;
using CanaryService.Application.Tests.Evidence;
using CanaryService.Testing.Hosting;
using CanaryService.Testing.InMemory;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Lineage;

/// <summary>The lineage API on a real Kestrel host over the in-memory stores, wired as the Host wires it (admin key, evidence API beside it).</summary>
[Trait("Category", "Integration")]
public sealed class LineageApiTests
{
    private const string AdminKey = "lineage-admin-key-0123456789";

    [Fact]
    public async Task Uploaded_samples_give_neighbours_in_the_documented_shape_and_a_self_contained_report()
    {
        await using LoopbackHost app = await StartAsync();
        using HttpClient client = Client(app);

        // Two uploads: the student's answers come separately, as a provider would add a newly probed model.
        string[] lines = [.. Synthetic.Answers(prompts: 40)];
        using HttpResponseMessage first = await PostAsync(client, string.Join('\n', lines.Where(l => !l.Contains("\"student\"", StringComparison.Ordinal))));
        string firstBody = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.OK, firstBody);
        using (JsonDocument stored = JsonDocument.Parse(firstBody))
        {
            Assert.Equal(120, stored.RootElement.GetProperty("samples").GetInt32());
            Assert.Equal(["other", "rival", "teacher"], stored.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        }

        using HttpResponseMessage second = await PostAsync(client, string.Join('\n', lines.Where(l => l.Contains("\"student\"", StringComparison.Ordinal))) + "\n\n");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        using HttpResponseMessage response = await client.GetAsync(new Uri("api/lineage/models/student", UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using JsonDocument json = JsonDocument.Parse(body);
        JsonElement root = json.RootElement;
        Assert.Equal(["model", "samples", "neighbours"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("student", root.GetProperty("model").GetString());
        Assert.Equal(40, root.GetProperty("samples").GetInt32());
        JsonElement[] neighbours = [.. root.GetProperty("neighbours").EnumerateArray()];
        Assert.Equal(3, neighbours.Length);
        foreach (JsonElement n in neighbours)
        {
            Assert.Equal(["model", "similarity", "low", "high", "sharedPrompts"], n.EnumerateObject().Select(p => p.Name));
            Assert.Equal(40, n.GetProperty("sharedPrompts").GetInt32());
            Assert.True(n.GetProperty("low").GetDouble() <= n.GetProperty("high").GetDouble());
        }

        Assert.Equal("teacher", neighbours[0].GetProperty("model").GetString());
        double[] similarities = [.. neighbours.Select(n => n.GetProperty("similarity").GetDouble())];
        Assert.Equal(similarities.OrderDescending(), similarities);
        Assert.True(neighbours[0].GetProperty("low").GetDouble() > neighbours[1].GetProperty("high").GetDouble(), body);

        using HttpResponseMessage unknown = await client.GetAsync(new Uri("api/lineage/models/nobody", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", (await ErrorAsync(unknown)).GetProperty("code").GetString());

        using HttpResponseMessage report = await client.GetAsync(new Uri("api/lineage/report", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        Assert.Equal("text/html", report.Content.Headers.ContentType?.MediaType);
        string html = await report.Content.ReadAsStringAsync();
        Assert.Contains("<svg id=\"lineage-heatmap\"", html, StringComparison.Ordinal);
        Assert.Contains("<svg id=\"lineage-tree\"", html, StringComparison.Ordinal);
        Assert.Equal(16, CountOf(html, "<rect class=\"cell\""));
        Assert.Equal(3, CountOf(html, "<path class=\"branch\""));
        Assert.Contains("<table id=\"neighbours-table\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Upload_errors_are_clear_and_store_nothing()
    {
        await using LoopbackHost app = await StartAsync(maxUploadBytes: 4_000);
        using HttpClient client = Client(app);
        const string Good = "{\"model\":\"m\",\"prompt\":\"p\",\"output\":\"some words\"}";

        JsonElement badJson = await ExpectErrorAsync(await PostAsync(client, Good + "\n{\"model\":\"m\",\"prompt\":\"q\",\"output\":\"unterminated}\n" + Good), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_sample_line", badJson.GetProperty("code").GetString());
        Assert.Equal("line 2", badJson.GetProperty("param").GetString());
        Assert.StartsWith("Line 2: not valid JSON", badJson.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("Nothing was stored", badJson.GetProperty("message").GetString(), StringComparison.Ordinal);

        JsonElement missing = await ExpectErrorAsync(await PostAsync(client, Good + "\n\n{\"model\":\"m\",\"prompt\":\"q\"}"), HttpStatusCode.BadRequest);
        Assert.StartsWith("Line 3: missing \"output\"", missing.GetProperty("message").GetString(), StringComparison.Ordinal);

        JsonElement wrongType = await ExpectErrorAsync(await PostAsync(client, "{\"model\":\"m\",\"prompt\":\"q\",\"output\":42}"), HttpStatusCode.BadRequest);
        Assert.StartsWith("Line 1: \"output\" must be a string", wrongType.GetProperty("message").GetString(), StringComparison.Ordinal);

        JsonElement notObject = await ExpectErrorAsync(await PostAsync(client, "[1,2]"), HttpStatusCode.BadRequest);
        Assert.StartsWith("Line 1: expected a JSON object", notObject.GetProperty("message").GetString(), StringComparison.Ordinal);

        JsonElement empty = await ExpectErrorAsync(await PostAsync(client, "\n \n"), HttpStatusCode.BadRequest);
        Assert.Equal("no_samples", empty.GetProperty("code").GetString());

        JsonElement tooLarge = await ExpectErrorAsync(await PostAsync(client, string.Join('\n', Enumerable.Repeat(Good, 100))), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("request_too_large", tooLarge.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", tooLarge.GetProperty("type").GetString());
        Assert.Contains("4000 bytes", tooLarge.GetProperty("message").GetString(), StringComparison.Ordinal);

        // Chunked, without a Content-Length: the limit holds while reading.
        using var chunked = new HttpRequestMessage(HttpMethod.Post, new Uri("api/lineage/samples", UriKind.Relative))
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Repeat(Good, 100))))),
        };
        chunked.Headers.TransferEncodingChunked = true;
        await ExpectErrorAsync(await client.SendAsync(chunked), HttpStatusCode.RequestEntityTooLarge);

        using var anonymous = new HttpClient { BaseAddress = client.BaseAddress };
        JsonElement unauthorised = await ExpectErrorAsync(await anonymous.PostAsync(new Uri("api/lineage/samples", UriKind.Relative), new StringContent(Good)), HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_admin_key", unauthorised.GetProperty("code").GetString());
        await ExpectErrorAsync(await anonymous.GetAsync(new Uri("api/lineage/report", UriKind.Relative)), HttpStatusCode.Unauthorized);

        // None of the rejected uploads left a sample behind.
        await ExpectErrorAsync(await client.GetAsync(new Uri("api/lineage/models/m", UriKind.Relative)), HttpStatusCode.NotFound);
        using HttpResponseMessage ok = await PostAsync(client, Good);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using JsonDocument model = JsonDocument.Parse(await client.GetStringAsync(new Uri("api/lineage/models/m", UriKind.Relative)));
        Assert.Equal(1, model.RootElement.GetProperty("samples").GetInt32());
        Assert.Equal(0, model.RootElement.GetProperty("neighbours").GetArrayLength());
    }

    private static async Task<LoopbackHost> StartAsync(long maxUploadBytes = 16 * 1024 * 1024)
    {
        Dictionary<string, string?> settings = new()
        {
            ["Evidence:AdminKey"] = AdminKey,
            ["Lineage:MaxUploadBytes"] = maxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Lineage:BootstrapReplicates"] = "100",
        };
        WebApplicationBuilder builder = LoopbackHost.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddInMemoryCanaryStorage(builder.Configuration);
        builder.Services.AddCanaryProbing(builder.Configuration);
        builder.Services.AddCanaryOperationWorker();
        builder.Services.AddCanaryLineage(builder.Configuration);
        builder.Services.AddSingleton(new CanaryService.Core.Keys.CanaryKeyRing(CanaryService.Core.Keys.MasterKey.FromBase64(EvidenceTestHost.MasterKey)));
        WebApplication app = builder.Build();
        app.UseCanaryAdminKey();
        app.MapCanaryEvidenceApi();
        app.MapCanaryLineageApi();
        return await LoopbackHost.StartAsync(app);
    }

    private static HttpClient Client(LoopbackHost app)
    {
        var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Add(AdminKeyMiddleware.HeaderName, AdminKey);
        return client;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string body) =>
        client.PostAsync(new Uri("api/lineage/samples", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/x-ndjson"));

    private static async Task<JsonElement> ExpectErrorAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"Expected {expected}, got {response.StatusCode}: {body}");
            return JsonDocument.Parse(body).RootElement.GetProperty("error").Clone();
        }
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").Clone();

    private static int CountOf(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// Four models answering the same prompts: each answer mixes the prompt's topic words with the model's style words;
    /// the student draws its style words from the teacher's preferences with noise, the others from their own.
    /// </summary>
    private static class Synthetic
    {
        public static IEnumerable<string> Answers(int prompts)
        {
            var random = new Random(42);
            double[] teacher = Preferences(random);
            double[] student = [.. teacher.Select(w => w * Math.Exp(0.5 * Normal(random)))];
            (string Model, double[] Weights)[] models = [("teacher", teacher), ("rival", Preferences(random)), ("other", Preferences(random)), ("student", student)];
            for (int p = 0; p < prompts; p++)
            {
                int[] topic = [.. Enumerable.Range(0, 10).Select(_ => random.Next(300))];
                foreach ((string model, double[] weights) in models)
                {
                    var words = new List<string>();
                    for (int w = 0; w < 150; w++)
                    {
                        words.Add(random.NextDouble() < 0.5 ? "t" + Letters(topic[random.Next(topic.Length)]) : "s" + Letters(Draw(weights, random)));
                    }

                    yield return JsonSerializer.Serialize(new { model, prompt = "prompt " + p, output = string.Join(' ', words) + "." });
                }
            }
        }

        private static double[] Preferences(Random random) => [.. Enumerable.Range(0, 150).Select(_ => Math.Exp(Normal(random)))];

        private static int Draw(double[] weights, Random random)
        {
            double u = random.NextDouble() * weights.Sum();
            for (int i = 0; i < weights.Length; i++)
            {
                u -= weights[i];
                if (u <= 0)
                {
                    return i;
                }
            }

            return weights.Length - 1;
        }

        private static string Letters(int index) => new([(char)('a' + (index % 26)), (char)('a' + (index / 26 % 26))]);

        private static double Normal(Random random) =>
            Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
