using System.Net;
using System.Text.Json;
using CanaryService.Application.Evidence;

namespace CanaryService.Application.Tests.Evidence;

[Trait("Category", "Integration")]
public sealed class AdminKeyTests
{
    [Fact]
    public async Task Every_api_route_needs_the_admin_key()
    {
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync([]);
        using HttpClient anonymous = new() { BaseAddress = host.BaseAddress };

        foreach ((HttpMethod method, string path) in new[]
        {
            (HttpMethod.Get, "api/competitors"), (HttpMethod.Get, "api/competitors/x/evidence"), (HttpMethod.Get, "api/competitors/x/report"),
            (HttpMethod.Get, "api/ledger/verify"), (HttpMethod.Post, "api/probes/run"), (HttpMethod.Get, "API/Competitors"),
            (HttpMethod.Post, "api/monitor/run"), (HttpMethod.Get, "api/operations/0123456789abcdef0123456789abcdef"),
        })
        {
            using HttpResponseMessage missing = await anonymous.SendAsync(new HttpRequestMessage(method, path));
            await AssertUnauthorizedAsync(missing, "invalid_admin_key");

            using HttpRequestMessage wrongRequest = new(method, path);
            wrongRequest.Headers.Add(AdminKeyMiddleware.HeaderName, EvidenceTestHost.AdminKey + "x");
            using HttpResponseMessage wrong = await anonymous.SendAsync(wrongRequest);
            await AssertUnauthorizedAsync(wrong, "invalid_admin_key");
        }

        using HttpResponseMessage right = await host.Client.GetAsync(new Uri("api/competitors", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_key_the_api_is_refused_not_open()
    {
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync([], withAdminKey: false);

        using HttpResponseMessage response = await host.Client.GetAsync(new Uri("api/competitors", UriKind.Relative));

        await AssertUnauthorizedAsync(response, "admin_key_not_configured");
    }

    [Fact]
    public void Keys_compare_equal_only_when_identical()
    {
        Assert.True(AdminKeyMiddleware.KeysEqual("same-key-value", "same-key-value"));
        Assert.False(AdminKeyMiddleware.KeysEqual("same-key-value", "same-key-valuE"));
        Assert.False(AdminKeyMiddleware.KeysEqual("same-key", "same-key-value"));
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string code)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement error = body.RootElement.GetProperty("error");
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.DoesNotContain(EvidenceTestHost.AdminKey, body.RootElement.GetRawText(), StringComparison.Ordinal);
    }
}
