using System.Net;
using System.Text;
using System.Text.Json;
using CanaryService.Host.Hosting;
using CanaryService.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CanaryService.Host.Tests.Hosting;

/// <summary>Every error the Host answers, from the proxy and from the <c>/api</c> routes, has one shape.</summary>
[Trait("Category", "Integration")]
public sealed class ErrorShapeTests
{
    private const string AdminKey = "error-shape-admin-key-0123456789";
    private static readonly string MasterKey = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("error-shape-tests"u8));

    [Fact]
    public async Task Proxy_errors_and_api_errors_have_the_same_content_type_and_json_shape()
    {
        WebApplication app = await CanaryWebApplication.BuildAsync(
            ["--environment", "Production", .. LoopbackHost.UrlsArguments],
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Canary:MasterKey"] = MasterKey,
                    // Nothing listens on port 9: the proxy's forwarding fails, which it answers with its own error.
                    ["Upstream:BaseUrl"] = "http://127.0.0.1:9",
                    ["Evidence:AdminKey"] = AdminKey,
                    ["Storage:ConnectionString"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
                });
            });
        await using (LoopbackHost host = await LoopbackHost.StartAsync(app))
        {
            HttpClient client = host.Client;

            // The proxy: a body that is not JSON, and an upstream that cannot be reached.
            ErrorReply badJson = await SendAsync(client, HttpMethod.Post, "/v1/chat/completions", "{not json", adminKey: false);
            ErrorReply noUpstream = await SendAsync(client, HttpMethod.Post, "/v1/chat/completions",
                """{"model":"m","messages":[{"role":"user","content":"Hi"}]}""", adminKey: false);
            // The /api routes: the admin-key middleware, a handler's refusal (with a param), and the unknown-route fallback.
            ErrorReply noKey = await SendAsync(client, HttpMethod.Get, "/api/competitors", null, adminKey: false);
            ErrorReply badLimit = await SendAsync(client, HttpMethod.Get, "/api/accounts/key-0/prompts?limit=zero", null, adminKey: true);
            ErrorReply unknown = await SendAsync(client, HttpMethod.Get, "/api/no-such-route", null, adminKey: true);
            await host.StopAsync();

            Assert.Equal(HttpStatusCode.BadRequest, badJson.Status);
            Assert.Equal(HttpStatusCode.BadGateway, noUpstream.Status);
            Assert.Equal(HttpStatusCode.Unauthorized, noKey.Status);
            Assert.Equal(HttpStatusCode.BadRequest, badLimit.Status);
            Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
            Assert.Equal("limit", badLimit.Param);

            ErrorReply reference = badJson;
            foreach (ErrorReply reply in new[] { noUpstream, noKey, badLimit, unknown })
            {
                Assert.Equal(reference.ContentType, reply.ContentType);
                Assert.Equal(reference.Shape, reply.Shape);
            }

            // The shape the OpenAI SDKs read: one "error" object of message, type, param, code.
            Assert.Equal("error{message:String,type:String,param:*,code:String}", reference.Shape);
        }
    }

    private static async Task<ErrorReply> SendAsync(HttpClient client, HttpMethod method, string path, string? body, bool adminKey)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (adminKey)
        {
            request.Headers.Add("x-canary-admin-key", AdminKey);
        }

        using HttpResponseMessage response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        using JsonDocument document = JsonDocument.Parse(text);
        return new ErrorReply(response.StatusCode, response.Content.Headers.ContentType?.ToString(), Shape(document.RootElement), Param(document.RootElement));
    }

    /// <summary>Property names in order with their value kinds; a param (null or a field name) is <c>*</c>.</summary>
    private static string Shape(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => string.Concat(element.EnumerateObject().Select(p =>
            p.Value.ValueKind == JsonValueKind.Object
                ? p.Name + "{" + string.Join(",", p.Value.EnumerateObject().Select(inner => inner.Name + ":" + (inner.Name == "param" ? "*" : inner.Value.ValueKind.ToString()))) + "}"
                : p.Name + ":" + p.Value.ValueKind)),
        _ => element.ValueKind.ToString(),
    };

    private static string? Param(JsonElement root) =>
        root.TryGetProperty("error", out JsonElement error) && error.TryGetProperty("param", out JsonElement param) && param.ValueKind == JsonValueKind.String
            ? param.GetString()
            : null;

    private sealed record ErrorReply(HttpStatusCode Status, string? ContentType, string Shape, string? Param);
}
