using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using CanaryService.Drill.Corpus;
using CanaryService.Drill.Serving;
using OpenAI;
using OpenAI.Chat;

namespace CanaryService.Drill.Tests;

[Trait("Category", "Integration")]
public sealed class ChatCompletionsServerTests
{
    private sealed class CorpusResponder(TeacherCorpus corpus) : IChatResponder
    {
        public string? Respond(string prompt) => corpus.Find(prompt)?.Answer;
    }

    private static ChatClient Client(ChatCompletionsServer server) =>
        new(server.Model, new ApiKeyCredential("drill-test"), new OpenAIClientOptions { Endpoint = server.BaseUrl });

    [Fact]
    public async Task The_OpenAI_SDK_gets_the_same_answer_plain_and_streamed()
    {
        TeacherCorpus corpus = TeacherCorpus.Generate(seed: 11, size: 40);
        await using ChatCompletionsServer server = await ChatCompletionsServer.StartAsync("teacher", new CorpusResponder(corpus));
        ChatClient client = Client(server);
        CorpusEntry entry = corpus.Entries[3];

        ChatCompletion completion = await client.CompleteChatAsync([new SystemChatMessage("Be helpful."), new UserChatMessage(entry.Prompt)]);
        var streamed = new StringBuilder();
        int updates = 0;
        await foreach (StreamingChatCompletionUpdate update in client.CompleteChatStreamingAsync([new UserChatMessage(entry.Prompt)]))
        {
            updates++;
            foreach (ChatMessageContentPart part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        Assert.Equal(entry.Answer, completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.True(completion.Usage.OutputTokenCount > 0);
        Assert.Equal(entry.Answer, streamed.ToString());
        Assert.True(updates > 20, $"only {updates} stream updates");
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public void Stream_deltas_cut_inside_words_and_join_back_to_the_text()
    {
        const string text = "Furthermore, naïve caching 🙂 usually helps.";

        string[] deltas = ChatCompletionsServer.SplitIntoDeltas(text).ToArray();

        Assert.Equal(text, string.Concat(deltas));
        Assert.Contains(deltas, d => d.Length > 0 && char.IsLetter(d[^1]) && !d.EndsWith(' '));
        Assert.All(deltas, d => Assert.False(char.IsHighSurrogate(d[^1])));
    }

    [Theory]
    [InlineData("{not json", null)]
    [InlineData("{\"model\":\"teacher\"}", "messages")]
    [InlineData("{\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", "messages")]
    public async Task Bad_requests_get_an_OpenAI_shaped_400(string body, string? param)
    {
        await using ChatCompletionsServer server = await ChatCompletionsServer.StartAsync("teacher", new CorpusResponder(TeacherCorpus.Generate(1, 40)));
        using var http = new HttpClient();

        using HttpResponseMessage response = await http.PostAsync(new Uri(server.BaseUrl, "chat/completions"), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement e = error.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString()));
        Assert.Equal("invalid_request_error", e.GetProperty("type").GetString());
        Assert.Equal(param, e.GetProperty("param").GetString());
        Assert.Equal("400", e.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_prompt_the_teacher_does_not_know_is_a_404_error_the_SDK_reports()
    {
        await using ChatCompletionsServer server = await ChatCompletionsServer.StartAsync("teacher", new CorpusResponder(TeacherCorpus.Generate(1, 40)));

        ClientResultException ex = await Assert.ThrowsAsync<ClientResultException>(() => Client(server).CompleteChatAsync([new UserChatMessage("Unknown?")]));

        Assert.Equal(404, ex.Status);
    }
}
