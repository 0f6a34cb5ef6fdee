namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>A JSON string in a document: where its token starts, its length (quotes included), and its text when decoded.</summary>
internal readonly record struct JsonText(int Start, int Length, string? Text);
