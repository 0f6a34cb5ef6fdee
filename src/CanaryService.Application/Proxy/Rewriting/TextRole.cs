namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>What a generated text is: the answer (may carry the phrase canary) or a reasoning trace (never does).</summary>
internal enum TextRole
{
    /// <summary>The answer's prose.</summary>
    Answer,

    /// <summary>A reasoning trace or its summary: the lexical watermark only.</summary>
    Reasoning,
}
