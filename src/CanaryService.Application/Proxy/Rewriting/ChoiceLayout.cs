using System.Text;

namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Where a surface's choices keep their text: chat completions in <c>choices[].message</c> (<c>delta</c> when
/// streamed) with the answer in <c>content</c> and the reasoning trace beside it; legacy completions in
/// <c>choices[].text</c>, without reasoning.
/// </summary>
internal sealed class ChoiceLayout
{
    private readonly byte[]? _messageProperty;
    private readonly byte[] _textProperty;

    private ChoiceLayout(string? messageProperty, string textProperty, bool hasReasoning)
    {
        _messageProperty = messageProperty is null ? null : Encoding.UTF8.GetBytes(messageProperty);
        _textProperty = Encoding.UTF8.GetBytes(textProperty);
        HasReasoning = hasReasoning;
    }

    /// <summary>A chat completion: <c>choices[].message.content</c>, <c>.reasoning_content</c>, <c>.reasoning</c>.</summary>
    public static ChoiceLayout ChatMessage { get; } = new("message", "content", hasReasoning: true);

    /// <summary>A streamed chat chunk: <c>choices[].delta.content</c>, <c>.reasoning_content</c>, <c>.reasoning</c>.</summary>
    public static ChoiceLayout ChatDelta { get; } = new("delta", "content", hasReasoning: true);

    /// <summary>A legacy completion, whole or streamed: <c>choices[].text</c>.</summary>
    public static ChoiceLayout CompletionText { get; } = new(null, "text", hasReasoning: false);

    /// <summary>The object inside a choice that holds its text, or empty when the text sits on the choice itself.</summary>
    public ReadOnlySpan<byte> MessageProperty => _messageProperty;

    /// <summary>True when the text sits inside <see cref="MessageProperty"/>.</summary>
    public bool HasMessage => _messageProperty is not null;

    /// <summary>The property holding the generated answer.</summary>
    public ReadOnlySpan<byte> TextProperty => _textProperty;

    /// <summary>Reasoning fields beside the text are marked too.</summary>
    public bool HasReasoning { get; }
}
