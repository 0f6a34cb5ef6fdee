using System.Runtime.CompilerServices;
using CanaryService.Core.Marking;
using CanaryService.Core.Issuance;
using Microsoft.Extensions.AI;

namespace CanaryService.Core.ChatClients;

/// <summary>
/// A delegating chat client that marks the inner client's answers with the canaries of
/// <see cref="CanaryMarker"/>: the lexical watermark on every text and reasoning text, the phrase canary at most once
/// per response and never in reasoning. Structured (JSON) responses and tool calls pass through untouched.
/// </summary>
public sealed class CanaryChatClient : DelegatingChatClient
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key that names the caller's account.</summary>
    public const string AccountPropertyName = "canary.account";

    private readonly CanaryMarker _marker;
    private readonly IIssuanceLog? _issuanceLog;

    /// <summary>Creates the client.</summary>
    /// <param name="innerClient">The client whose answers are marked.</param>
    /// <param name="marker">The marker.</param>
    /// <param name="issuanceLog">Where issuances are recorded, if anywhere.</param>
    public CanaryChatClient(IChatClient innerClient, CanaryMarker marker, IIssuanceLog? issuanceLog = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(marker);
        _marker = marker;
        _issuanceLog = issuanceLog;
    }

    /// <summary>
    /// Picks the account a request is for. By default: <see cref="AccountPropertyName"/> from the options'
    /// additional properties, else <see cref="AccountIds.Anonymous"/>.
    /// </summary>
    public Func<IEnumerable<ChatMessage>, ChatOptions?, string>? AccountSelector { get; set; }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ChatResponse response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        if (IsStructured(options))
        {
            return response;
        }

        ResponseMarking marking = await _marker.BeginAsync(CreateRequest(messages, options), cancellationToken).ConfigureAwait(false);
        foreach (ChatMessage message in response.Messages)
        {
            if (message.Role != ChatRole.Assistant)
            {
                continue;
            }

            foreach (AIContent content in message.Contents)
            {
                if (content is TextContent text)
                {
                    text.Text = marking.MarkText(text.Text, choiceIndex: 0);
                }
                else if (content is TextReasoningContent reasoning)
                {
                    reasoning.Text = marking.MarkText(reasoning.Text, ResponseMarking.WithoutCanary);
                }
            }
        }

        _issuanceLog?.Record(marking.ToIssuance(markedChoices: 1));
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (IsStructured(options))
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        ResponseMarking marking = await _marker.BeginAsync(CreateRequest(messages, options), cancellationToken).ConfigureAwait(false);
        StreamingTextMarker stream = marking.CreateStream(choiceIndex: 0);

        // Reasoning has its own stream: its words must not become the context of the answer's first word.
        var reasoningStream = new ReasoningStream(marking);
        bool completed = false;
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            for (int i = 0; i < update.Contents.Count; i++)
            {
                if (update.Contents[i] is TextContent text)
                {
                    if (!string.IsNullOrEmpty(text.Text) && reasoningStream.Close() is { } reasoningTail)
                    {
                        // The reasoning ends where the answer starts: its held-back words go out just before.
                        update.Contents.Insert(i++, new TextReasoningContent(reasoningTail));
                    }

                    text.Text = stream.Append(text.Text);
                }
                else if (update.Contents[i] is TextReasoningContent reasoning)
                {
                    reasoning.Text = reasoningStream.Append(reasoning.Text);
                }
            }

            if (update.FinishReason is not null && !completed)
            {
                // The held-back tails go out with the update that finishes the response.
                string tail = stream.Complete();
                completed = true;
                if (reasoningStream.Close() is { } reasoningTail)
                {
                    update.Contents.Add(new TextReasoningContent(reasoningTail));
                }

                if (tail.Length > 0)
                {
                    update.Contents.Add(new TextContent(tail));
                }
            }

            yield return update;
        }

        if (!completed)
        {
            if (reasoningStream.Close() is { } reasoningTail)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new TextReasoningContent(reasoningTail)]);
            }

            string tail = stream.Complete();
            if (tail.Length > 0)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, tail);
            }
        }

        _issuanceLog?.Record(marking.ToIssuance(markedChoices: 1));
    }

    private static bool IsStructured(ChatOptions? options) => options?.ResponseFormat is ChatResponseFormatJson;

    private MarkingRequest CreateRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        string account = AccountSelector?.Invoke(messages, options)
            ?? (options?.AdditionalProperties?.TryGetValue(AccountPropertyName, out object? value) == true ? value?.ToString() : null)
            ?? AccountIds.Anonymous;
        // The question is the last user message, as the proxy reads it, so one conversation gets one topic on both paths.
        string? prompt = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text;
        return new MarkingRequest(string.IsNullOrEmpty(account) ? AccountIds.Anonymous : account, prompt);
    }

    /// <summary>
    /// The reasoning text of a streamed response, marked without the phrase canary. It closes where the answer starts;
    /// reasoning that comes after that starts a new stream rather than fail.
    /// </summary>
    private sealed class ReasoningStream(ResponseMarking marking)
    {
        private StreamingTextMarker? _stream;

        public string Append(string? delta) => (_stream ??= marking.CreateStream(ResponseMarking.WithoutCanary)).Append(delta);

        /// <summary>Ends the current stream; returns its held-back text, or null when there is none.</summary>
        public string? Close()
        {
            string tail = _stream?.Complete() ?? "";
            _stream = null;
            return tail.Length > 0 ? tail : null;
        }
    }
}
