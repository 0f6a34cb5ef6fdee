using System.Runtime.CompilerServices;
using System.Text;
using CanaryService.Core.ChatClients;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Core.Tests.Marking;
using CanaryService.Testing.InMemory;
using Microsoft.Extensions.AI;

namespace CanaryService.Core.Tests.ChatClients;

public sealed class CanaryChatClientTests
{
    /// <summary>Stands in for the upstream model: always answers with the same text, streamed in 7-character pieces.</summary>
    private sealed class FixedTextChatClient(string answer) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)));

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            for (int i = 0; i < answer.Length; i += 7)
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, answer.Substring(i, Math.Min(7, answer.Length - i)));
            }

            yield return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private static readonly List<ChatMessage> Messages = [new(ChatRole.User, "How should I structure unit tests for a payment service?")];

    [Fact]
    public async Task Marks_non_streaming_and_streaming_answers_identically()
    {
        var master = MasterKey.Generate();
        var registry = new InMemoryCanaryRegistry();
        var marker = new CanaryMarker(new CanaryKeyRing(master), new CanaryMarkerOptions { PhraseRate = 1 }, registry, TimeProvider.System);
        IChatClient client = new FixedTextChatClient(MarkingTexts.Answer).AsBuilder().UseCanaries(marker).Build();
        var options = new ChatOptions { AdditionalProperties = new() { [CanaryChatClient.AccountPropertyName] = "acct-9" } };

        ChatResponse response = await client.GetResponseAsync(Messages, options);
        var expected = (await marker.BeginAsync(new MarkingRequest("acct-9", Messages[0].Text))).MarkText(MarkingTexts.Answer, 0);
        Assert.Equal(expected, response.Text);
        Assert.NotEqual(MarkingTexts.Answer, response.Text);
        Assert.Contains(registry.Rows.Single().Candidates, c => response.Text.Contains(c, StringComparison.Ordinal));

        var streamed = new StringBuilder();
        bool finishSeen = false;
        await foreach (var update in client.GetStreamingResponseAsync(Messages, options))
        {
            Assert.False(finishSeen, "no text after the finishing update");
            streamed.Append(update.Text);
            finishSeen |= update.FinishReason is not null;
        }

        Assert.Equal(expected, streamed.ToString());
    }

    [Fact]
    public async Task Json_responses_pass_through()
    {
        var marker = new CanaryMarker(new CanaryKeyRing(MasterKey.Generate()), new CanaryMarkerOptions(), new InMemoryCanaryRegistry(), TimeProvider.System);
        IChatClient client = new FixedTextChatClient(MarkingTexts.Answer).AsBuilder().UseCanaries(marker).Build();
        var response = await client.GetResponseAsync(Messages, new ChatOptions { ResponseFormat = ChatResponseFormat.Json });
        Assert.Equal(MarkingTexts.Answer, response.Text);
    }

    [Fact]
    public async Task The_topic_is_the_last_user_message_as_the_proxy_reads_it()
    {
        async Task<string> TopicOf(params ChatMessage[] conversation)
        {
            var registry = new InMemoryCanaryRegistry();
            var key = MasterKey.FromBytes(Enumerable.Range(7, MasterKey.MinimumLength).Select(b => (byte)b).ToArray());
            var marker = new CanaryMarker(new CanaryKeyRing(key), new CanaryMarkerOptions { PhraseRate = 1 }, registry, TimeProvider.System);
            IChatClient client = new FixedTextChatClient(MarkingTexts.Answer).AsBuilder().UseCanaries(marker).Build();
            await client.GetResponseAsync(conversation);
            return Assert.Single(registry.Rows).Topic;
        }

        string latest = await TopicOf(new ChatMessage(ChatRole.User, "How do I tune a guitar by ear?"));
        string conversation = await TopicOf(
            new ChatMessage(ChatRole.User, "How do I bake sourdough bread at home?"),
            new ChatMessage(ChatRole.Assistant, "Feed the starter, then knead."),
            new ChatMessage(ChatRole.User, "How do I tune a guitar by ear?"));
        Assert.Equal(latest, conversation);
        Assert.NotEqual(latest, await TopicOf(new ChatMessage(ChatRole.User, "How do I bake sourdough bread at home?")));
    }

    [Fact]
    public async Task Reasoning_text_is_marked_without_the_canary_whole_and_streamed_alike_and_its_held_back_words_come_before_the_answer()
    {
        // A key leaves a text as it is when it prefers every form the text already has: take the first seeded key that
        // changes it.
        CanaryMarker marker = null!;
        ResponseMarking marking = null!;
        string expectedReasoning = MarkingTexts.ShippedLexiconAnswer;
        for (byte seed = 1; expectedReasoning == MarkingTexts.ShippedLexiconAnswer; seed++)
        {
            Assert.True(seed < 40, "no seeded key changes the text");
            var key = MasterKey.FromBytes(Enumerable.Range(seed, MasterKey.MinimumLength).Select(b => (byte)b).ToArray());
            marker = new CanaryMarker(new CanaryKeyRing(key), new CanaryMarkerOptions { PhraseRate = 1 }, new InMemoryCanaryRegistry(), TimeProvider.System);
            marking = await marker.BeginAsync(new MarkingRequest("acct-r", Messages[0].Text));
            expectedReasoning = marking.MarkText(MarkingTexts.ShippedLexiconAnswer, ResponseMarking.WithoutCanary);
        }

        IChatClient client = new ReasoningChatClient(MarkingTexts.ShippedLexiconAnswer, MarkingTexts.ShippedLexiconAnswer).AsBuilder().UseCanaries(marker).Build();
        var options = new ChatOptions { AdditionalProperties = new() { [CanaryChatClient.AccountPropertyName] = "acct-r" } };
        string expectedAnswer = marking.MarkText(MarkingTexts.ShippedLexiconAnswer, 0);
        Assert.NotEqual(MarkingTexts.ShippedLexiconAnswer, expectedReasoning);
        Assert.NotEqual(expectedAnswer, expectedReasoning); // the answer carries the canary, the reasoning never does

        ChatResponse response = await client.GetResponseAsync(Messages, options);
        Assert.Equal(expectedReasoning, string.Concat(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(r => r.Text)));
        Assert.Equal(expectedAnswer, response.Text);

        var reasoning = new StringBuilder();
        var answer = new StringBuilder();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Messages, options))
        {
            foreach (AIContent content in update.Contents)
            {
                if (content is TextReasoningContent r)
                {
                    Assert.Equal(0, answer.Length);
                    reasoning.Append(r.Text);
                }
                else if (content is TextContent t)
                {
                    answer.Append(t.Text);
                }
            }
        }

        Assert.Equal(expectedReasoning, reasoning.ToString());
        Assert.Equal(expectedAnswer, answer.ToString());
    }

    /// <summary>Answers with a reasoning text, then the answer; streamed in 7-character pieces of each.</summary>
    private sealed class ReasoningChatClient(string reasoning, string answer) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new TextReasoningContent(reasoning), new TextContent(answer)])));

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            for (int i = 0; i < reasoning.Length; i += 7)
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new TextReasoningContent(reasoning.Substring(i, Math.Min(7, reasoning.Length - i)))]);
            }

            for (int i = 0; i < answer.Length; i += 7)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, answer.Substring(i, Math.Min(7, answer.Length - i)));
            }

            yield return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
