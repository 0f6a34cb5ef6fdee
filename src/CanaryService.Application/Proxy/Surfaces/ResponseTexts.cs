using CanaryService.Application.Proxy.Rewriting;

namespace CanaryService.Application.Proxy.Surfaces;

/// <summary>
/// Where the Responses API puts generated text: in a response object, and in each streamed event (the deltas that
/// bring it, and the events that repeat it whole). Everything not named here (tool calls, refusals, annotations,
/// logprobs, ids, usage) passes byte for byte.
/// </summary>
internal static class ResponseTexts
{
    /// <summary>The texts of a response object (<c>POST /v1/responses</c>, <c>GET /v1/responses/{id}</c>, a batch line's body).</summary>
    public static IReadOnlyList<TextRule> Body { get; } = InResponse(prefix: "");

    /// <summary>Each streamed event that carries text, by its <c>type</c>.</summary>
    public static IReadOnlyDictionary<string, StreamEventRule> Events { get; } = BuildEvents();

    private static TextRule[] InResponse(string prefix) =>
    [
        TextRule.Answer(prefix + "output[](message).content[](output_text).text", 'c', "#0", "#1"),
        TextRule.Reasoning(prefix + "output[](reasoning).summary[](summary_text).text", 's', "#0", "#1"),
        TextRule.Reasoning(prefix + "output[](reasoning).content[](reasoning_text).text", 'c', "#0", "#1"),
    ];

    private static Dictionary<string, StreamEventRule> BuildEvents()
    {
        StreamEventRule[] rules =
        [
            // The deltas: each its slot's next piece of text.
            StreamEventRule.Delta("response.output_text.delta", TextRule.Answer("delta", 'c', "output_index", "content_index")),
            StreamEventRule.Delta("response.reasoning_summary_text.delta", TextRule.Reasoning("delta", 's', "output_index", "summary_index")),
            StreamEventRule.Delta("response.reasoning_text.delta", TextRule.Reasoning("delta", 'c', "output_index", "content_index")),

            // The events that repeat a slot's whole text: the first of them closes the slot.
            StreamEventRule.Repeat("response.output_text.done", TextRule.Answer("text", 'c', "output_index", "content_index")),
            StreamEventRule.Repeat("response.reasoning_summary_text.done", TextRule.Reasoning("text", 's', "output_index", "summary_index")),
            StreamEventRule.Repeat("response.reasoning_text.done", TextRule.Reasoning("text", 'c', "output_index", "content_index")),
            StreamEventRule.Repeat("response.content_part.done",
                TextRule.Answer("part(output_text).text", 'c', "output_index", "content_index"),
                TextRule.Reasoning("part(reasoning_text).text", 'c', "output_index", "content_index")),
            StreamEventRule.Repeat("response.reasoning_summary_part.done", TextRule.Reasoning("part(summary_text).text", 's', "output_index", "summary_index")),
            StreamEventRule.Repeat("response.output_item.done",
                TextRule.Answer("item(message).content[](output_text).text", 'c', "output_index", "#0"),
                TextRule.Reasoning("item(reasoning).summary[](summary_text).text", 's', "output_index", "#0"),
                TextRule.Reasoning("item(reasoning).content[](reasoning_text).text", 'c', "output_index", "#0")),

            // The response object itself, in the events that carry it (its output is empty until the end).
            StreamEventRule.Repeat("response.created", InResponse("response.")),
            StreamEventRule.Repeat("response.queued", InResponse("response.")),
            StreamEventRule.Repeat("response.in_progress", InResponse("response.")),
            StreamEventRule.Repeat("response.completed", InResponse("response.")),
            StreamEventRule.Repeat("response.incomplete", InResponse("response.")),
            StreamEventRule.Repeat("response.failed", InResponse("response.")),
        ];
        return rules.ToDictionary(static r => r.EventType, StringComparer.Ordinal);
    }
}
