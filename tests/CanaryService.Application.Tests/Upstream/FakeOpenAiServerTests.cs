using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using CanaryService.Testing.Upstream;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The Responses client is marked experimental by the SDK; it is the client callers use.

namespace CanaryService.Application.Tests.Upstream;

/// <summary>The scripted fake server answers the official OpenAI client in every shape the tests rely on.</summary>
[Trait("Category", "Integration")]
public sealed class FakeOpenAiServerTests
{
    private const string Answer = "Tide pools hold small worlds — crabs, anemones, and 🐚 shells.";

    [Fact]
    public async Task A_scripted_answer_reaches_the_client_whole_and_streamed_on_chat_and_responses()
    {
        await using FakeOpenAiServer server = await FakeOpenAiServer.StartAsync((prompt, index) => new FakeReply.Answer(Answer));
        var chat = new ChatClient("fake-model", new ApiKeyCredential("sk-fake"), Options<OpenAIClientOptions>(server));
        var responses = new ResponsesClient(new ApiKeyCredential("sk-fake"), Options<ResponsesClientOptions>(server));

        ChatCompletion whole = await chat.CompleteChatAsync([new UserChatMessage("Tell me about tide pools.")]);
        var streamed = new StringBuilder();
        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync([new UserChatMessage("And streamed?")]))
        {
            streamed.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        ResponseResult response = await responses.CreateResponseAsync(new CreateResponseOptions
        {
            Model = "fake-model",
            InputItems = { ResponseItem.CreateUserMessageItem("As a response?") },
        });
        var streamedResponse = new StringBuilder();
        await foreach (StreamingResponseUpdate update in await responses.CreateResponseStreamingAsync(new CreateResponseOptions
        {
            Model = "fake-model",
            InputItems = { ResponseItem.CreateUserMessageItem("Streamed as a response?") },
            StreamingEnabled = true,
        }))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                streamedResponse.Append(delta.Delta);
            }
        }

        Assert.Equal(Answer, whole.Content[0].Text);
        Assert.Equal(Answer, streamed.ToString());
        Assert.Equal(Answer, response.GetOutputText());
        Assert.Equal(Answer, streamedResponse.ToString());
        Assert.Equal(["Tell me about tide pools.", "And streamed?", "As a response?", "Streamed as a response?"], server.Prompts);
        Assert.Equal(4, server.RequestCount);
    }

    [Fact]
    public async Task Legacy_completions_are_answered_in_their_own_shape()
    {
        await using FakeOpenAiServer server = await FakeOpenAiServer.StartAsync((prompt, _) => new FakeReply.Answer("echo: " + prompt));
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using HttpResponseMessage plain = await client.PostAsync(new Uri("v1/completions", UriKind.Relative), Json("""{"model":"m","prompt":"Say hi"}"""));
        using JsonDocument completion = JsonDocument.Parse(await plain.Content.ReadAsStringAsync());
        using HttpResponseMessage streamed = await client.PostAsync(new Uri("v1/completions", UriKind.Relative), Json("""{"model":"m","prompt":"Again","stream":true}"""));
        string events = await streamed.Content.ReadAsStringAsync();

        Assert.Equal("text_completion", completion.RootElement.GetProperty("object").GetString());
        Assert.Equal("echo: Say hi", completion.RootElement.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal("text/event-stream", streamed.Content.Headers.ContentType?.MediaType);
        string text = string.Concat(events.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => e != "data: [DONE]")
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal("echo: Again", text);
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_garbage_and_cut_streams_fail_the_client_the_way_a_real_fault_would()
    {
        await using FakeOpenAiServer server = await FakeOpenAiServer.StartAsync((_, index) => index switch
        {
            0 => new FakeReply.Status(400),
            1 => new FakeReply.Garbage(),
            _ => new FakeReply.Cut(Answer, Deltas: 3),
        });
        var chat = new ChatClient("fake-model", new ApiKeyCredential("sk-fake"), Options<OpenAIClientOptions>(server));

        ClientResultException refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("one")]));
        Assert.Equal((int)HttpStatusCode.BadRequest, refused.Status);
        await Assert.ThrowsAnyAsync<Exception>(() => chat.CompleteChatAsync([new UserChatMessage("two")]));
        var received = new StringBuilder();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync([new UserChatMessage("three")]))
            {
                received.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            }
        });

        Assert.Equal(string.Concat(FakeReplies.Deltas(Answer).Take(3)), received.ToString());
        Assert.Equal(3, server.RequestCount);
    }

    private static T Options<T>(FakeOpenAiServer server) where T : ClientPipelineOptions, new()
    {
        var options = new T { RetryPolicy = new ClientRetryPolicy(0), NetworkTimeout = TimeSpan.FromSeconds(30) };
        switch (options)
        {
            case OpenAIClientOptions openAi:
                openAi.Endpoint = server.BaseUrl;
                break;
            case ResponsesClientOptions responses:
                responses.Endpoint = server.BaseUrl;
                break;
        }

        return options;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
