using System.Text.Json;
using Azure;
using CanaryService.Application.Evidence;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Evidence;

/// <summary>The guard the Functions app wraps around each evidence handler (the Host's endpoint filter shares it).</summary>
public sealed class StorageUnavailableFilterTests
{
    private static DefaultHttpContext Context()
    {
        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        return new DefaultHttpContext { RequestServices = services, Response = { Body = new MemoryStream() } };
    }

    [Fact]
    public async Task A_storage_failure_under_a_handler_is_an_OpenAI_shaped_503()
    {
        DefaultHttpContext context = Context();
        IResult result = await StorageUnavailableFilter.GuardAsync(context, () => throw new RequestFailedException(500, "table service down"));
        await result.ExecuteAsync(context);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        using JsonDocument body = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal("storage_unavailable", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("table service down", body.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_failures_and_results_pass_through()
    {
        DefaultHttpContext context = Context();
        IResult ok = Results.Ok();
        Assert.Same(ok, await StorageUnavailableFilter.GuardAsync(context, () => Task.FromResult(ok)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => StorageUnavailableFilter.GuardAsync(context, () => throw new InvalidOperationException("a bug")));
    }
}
