namespace CanaryService.Application.Proxy.Rewriting;

/// <summary>
/// Which text of a response a string is: the output item it belongs to, the kind of part (<c>c</c> a content part,
/// <c>s</c> a reasoning summary part) and the part's position. A plain body, each delta and each event that repeats
/// the text name the same slot, so they are marked as one text.
/// </summary>
internal readonly record struct TextSlot(int Output, char Part, int Index);
