using System.Runtime.CompilerServices;

namespace CanaryService.Core.Lexicon;

/// <summary>
/// Everything the scanner must remember between chunks of a stream: the block structure (fences, indented
/// code, inline code, quotes, a JSON response) and the context word. A value type so a stream copies it for free.
/// </summary>
internal struct ScannerState
{
    public const int MaxContextLength = 32;

    public bool Started;           // a non-whitespace character has been seen
    public bool AllProtected;      // the response is JSON: nothing is marked
    public bool AtLineStart;
    public bool LineHasContent;
    public bool LineIsCode;        // indented code line or fence opener line: protected to the newline
    public bool PrevLineBlank;
    public bool PrevLineIndentedCode;
    public bool LineIndentedCode;
    public bool PrevLineCode;      // the last non-blank line was code (fenced lines aside): an indented line continues it
    public bool LineCodeLike;      // this line is code by its first tokens or as a continuation (see LexiconScanner.IsCodeLine)
    public int Indent;

    public char FenceChar;         // inside a fenced block when not zero
    public int FenceLength;
    public int FenceLinePhase;     // 0 leading space, 1 fence run, 2 trailing space, 3 other content
    public int FenceLineRun;

    public int InlineCodeTicks;    // inside inline code when not zero
    public char QuoteClose;        // inside a quoted string when not zero

    public ContextKind Context;
    public int ContextLength;
    public ContextChars ContextText;

    // The open top-level list run (see LexiconScanner.ListLine): its bullet in the text and in the output, and where the
    // current item's content starts. No list is open when ListChar is zero.
    public char ListChar;
    public char ListOutputChar;
    public int ListContentIndent;

    // The answer's first top-level list: its bullet in the text and in the output. Every later list written with the same
    // bullet follows it, so an answer that writes its lists alike still does.
    public char AnswerListChar;
    public char AnswerListOutputChar;

    public int WordCount;          // prose words passed so far: the clock of the echo window
    public RecentOccurrences Recent; // the last lexicon words seen: group index + 1 and the word count at each
    public int RecentNext;

    // A look-ahead left unsettled where the scan stopped (the window ahead of an eligible word not yet complete), in
    // positions relative to where the next piece starts. The next piece starts with the same text, so its look-ahead
    // from the same place goes on from there instead of reading the window again.
    public HeldLookAhead Held;

    public static ScannerState Initial => new() { AtLineStart = true, PrevLineBlank = true, Context = ContextKind.SentenceStart };
}

internal enum ContextKind : byte
{
    SentenceStart,
    Protected,
    Word,
}

/// <summary>A ring of the last lexicon words: (group index + 1) in the high half, the word count in the low half.</summary>
[InlineArray(Length)]
internal struct RecentOccurrences
{
    public const int Length = 8;

    private long _element;
}

[InlineArray(ScannerState.MaxContextLength)]
internal struct ContextChars
{
    private char _element;
}

/// <summary>
/// A look-ahead not yet settled: the group (index + 1; 0 when none), where its window starts, how far the window is
/// settled (a run start or the text's end) and how many runs lie before that, none of them the group's.
/// </summary>
internal readonly record struct HeldLookAhead(int Group, int From, int Settled, int Runs)
{
    /// <summary>The same look-ahead in positions counted from <paramref name="origin"/>.</summary>
    public HeldLookAhead RelativeTo(int origin) => this with { From = From - origin, Settled = Settled - origin };
}
