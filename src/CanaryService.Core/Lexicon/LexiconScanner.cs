using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CanaryService.Core.Lexicon;

/// <summary>
/// Walks text left to right and yields each eligible lexicon occurrence with its context: the previous output
/// word lower-cased, <c>^</c> at a sentence start, <c>#</c> right after a protected region. The marker and the
/// detector share it, so both see the same occurrences and contexts.
/// </summary>
/// <remarks>
/// Never yields inside fenced (``` or ~~~) or indented code, inline code, quoted strings, a response that is
/// JSON, or whitespace-delimited tokens that look like URLs, e-mail addresses, paths, numbers, identifiers or
/// non-English words (any letter outside ASCII). It allocates nothing.
/// </remarks>
public ref struct LexiconScanner
{
    private readonly CanaryLexicon _lexicon;
    private readonly ReadOnlySpan<char> _text;
    private readonly bool _final;
    private ScannerState _state;
    private int _pos;
    private int _consumed;
    private bool _stopped;
    private bool _needMore;

    private bool _inToken;
    private int _tokenEnd;
    private string? _pendingForm;

    private LexiconGroup? _group;
    private int _form;
    private int _start;
    private int _length;
    private WordCasing _casing;
    private readonly int _trailingLettersStart;

    // The last look-ahead, when it was left unsettled (the scan then stops): see HoldLookAhead.
    private HeldLookAhead _unsettled;

    // The context word while it is only a place in the text: it is lower-cased into the state when something reads it
    // (an occurrence, or the end of the scan), not for every word that passes (most are followed by another).
    private int _contextWordStart;
    private int _contextWordLength;

    // The last plain token (letters and at most one trailing punctuation mark): where it starts and its letters end.
    private int _plainWordStart;
    private int _plainLettersEnd;

    // A list's bullet found at a line start (see ListLine): the first word of its first item, and the form the
    // structure imposes (-1 when the key chooses).
    private ContextChars _bulletContext;
    private int _bulletContextLength;
    private int _bulletForced;

    /// <summary>Scans a whole text.</summary>
    public LexiconScanner(CanaryLexicon lexicon, ReadOnlySpan<char> text)
        : this(lexicon, text, ScannerState.Initial, isFinal: true)
    {
    }

    /// <summary>Scans one piece of a stream from <paramref name="state"/>; when not final, stops where more input is needed.</summary>
    internal LexiconScanner(CanaryLexicon lexicon, ReadOnlySpan<char> text, ScannerState state, bool isFinal)
    {
        ArgumentNullException.ThrowIfNull(lexicon);
        _lexicon = lexicon;
        _text = text;
        _final = isFinal;
        _state = state;
        _tokenEnd = -1;
        _contextWordStart = -1;
        _plainWordStart = -1;

        // Where the piece's last run of letters starts (a word that may still grow): see NextWordDecidable.
        _trailingLettersStart = isFinal ? text.Length : text.LastIndexOfAnyExcept(AsciiLetters) + 1;
    }

    /// <summary>The occurrence found by the last successful <see cref="MoveNext"/>.</summary>
    [UnscopedRef]
    public readonly LexiconOccurrence Current => _group!.IsMarkup
        ? new(_group, _form, _start, 1, WordCasing.Lower, BulletContextSpan, _bulletForced)
        : new(_group, _form, _start, _length, _casing, ContextSpan);

    [UnscopedRef]
    private readonly ReadOnlySpan<char> BulletContextSpan => ((ReadOnlySpan<char>)_bulletContext)[.._bulletContextLength];

    /// <summary>How much of the text is decided (everything when final); valid once <see cref="MoveNext"/> returned false.</summary>
    internal readonly int Consumed => _consumed;

    /// <summary>The state to resume from at <see cref="Consumed"/>.</summary>
    internal readonly ScannerState State
    {
        get
        {
            Debug.Assert(_contextWordStart < 0, "the context word is written into the state before the scan stops");
            return _state;
        }
    }

    [UnscopedRef]
    private readonly ReadOnlySpan<char> ContextSpan => _state.Context switch
    {
        ContextKind.SentenceStart => "^",
        ContextKind.Protected => "#",
        _ => ((ReadOnlySpan<char>)_state.ContextText)[.._state.ContextLength],
    };

    /// <summary>
    /// Tells the scanner which form the output has at the current occurrence, so the next context is the
    /// previous <em>output</em> word (the marker calls this after rewriting).
    /// </summary>
    internal void SetOutputForm(int formIndex)
    {
        if (_group!.IsMarkup)
        {
            // A bullet is no word: it leaves the context alone and sets the form of the rest of its list (and, for the
            // answer's first list, of every later list with the same bullet).
            _state.ListOutputChar = _group.Forms[formIndex][0];
            if (_bulletForced < 0)
            {
                _state.AnswerListOutputChar = _state.ListOutputChar;
            }

            return;
        }

        _pendingForm = _group.Forms[formIndex];
    }

    /// <summary>Advances to the next eligible occurrence.</summary>
    public bool MoveNext()
    {
        if (_pendingForm is not null)
        {
            SetContextWord(_pendingForm);
            _pendingForm = null;
        }

        if (_inToken)
        {
            if (NextWordInToken())
            {
                return true;
            }
        }

        ReadOnlySpan<char> text = _text;
        while (!_stopped && _pos < text.Length)
        {
            if (InPlainProse && NextInPlainProse())
            {
                return true;
            }

            if (_stopped)
            {
                return false;
            }

            if (_pos >= text.Length)
            {
                break;
            }

            char c = text[_pos];
            if (_state.AllProtected)
            {
                _pos = text.Length;
                break;
            }

            if (_state.FenceChar != '\0')
            {
                StepInsideFence(c);
                _pos++;
                continue;
            }

            if (c == '\n')
            {
                EndLine();
                _pos++;
                continue;
            }

            if (_state.LineIsCode)
            {
                _pos++;
                continue;
            }

            if (_state.InlineCodeTicks > 0)
            {
                if (c == '`')
                {
                    int run = RunLength(_pos, '`');
                    if (NeedsMore(_pos + run))
                    {
                        return Stop();
                    }

                    if (run == _state.InlineCodeTicks)
                    {
                        _state.InlineCodeTicks = 0;
                        _state.Context = ContextKind.Protected;
                    }

                    _pos += run;
                    continue;
                }

                _pos++;
                continue;
            }

            if (_state.QuoteClose != '\0')
            {
                if (_state.QuoteClose is '\'' or '’' && c == _state.QuoteClose)
                {
                    // A single quote closes only where no letter follows: inside, "don't" is an apostrophe.
                    if (NeedsMore(_pos + 1))
                    {
                        return Stop();
                    }

                    _pos++;
                    if (_pos == text.Length || !char.IsAsciiLetter(text[_pos]))
                    {
                        _state.QuoteClose = '\0';
                        _state.Context = ContextKind.Protected;
                    }

                    continue;
                }

                _pos++;
                if (c == _state.QuoteClose || (c == '"' && _state.QuoteClose == '”'))
                {
                    _state.QuoteClose = '\0';
                    _state.Context = ContextKind.Protected;
                }

                continue;
            }

            if (IsSpace(c))
            {
                if (_state.AtLineStart)
                {
                    _state.Indent += c == '\t' ? 4 : 1;
                }

                _pos++;
                continue;
            }

            if (_state.AtLineStart)
            {
                if (!_state.Started)
                {
                    _state.Started = true;
                    if (c is '{' or '[')
                    {
                        // A response that opens like JSON is structured output: leave all of it alone.
                        _state.AllProtected = true;
                        _pos = text.Length;
                        break;
                    }
                }

                if (c is '`' or '~')
                {
                    int run = RunLength(_pos, c);
                    if (NeedsMore(_pos + run))
                    {
                        return Stop();
                    }

                    if (run >= 3)
                    {
                        if (_state.Indent == 0)
                        {
                            _state.ListChar = '\0'; // a fence at the margin ends any list
                        }

                        _state.FenceChar = c;
                        _state.FenceLength = run;
                        _state.FenceLinePhase = 3; // the opener's info string never closes the fence
                        _state.LineHasContent = true;
                        _state.AtLineStart = false;
                        _pos += run;
                        continue;
                    }
                }

                if (_state.Indent >= 4 && (_state.PrevLineBlank || _state.PrevLineIndentedCode))
                {
                    _state.AtLineStart = false;
                    _state.LineHasContent = true;
                    _state.LineIsCode = true;
                    _state.LineIndentedCode = true;
                    continue;
                }

                // Unfenced code: decided from the line's first two tokens (and the line before), so a stream holds back
                // at most the first words of a line.
                int firstEnd = TokenEnd(_pos);
                int secondStart = firstEnd;
                while (secondStart < text.Length && text[secondStart] is ' ' or '\t')
                {
                    secondStart++;
                }

                int secondEnd = secondStart < text.Length && text[secondStart] is not ('\r' or '\n') ? TokenEnd(secondStart) : secondStart;
                if (NeedsMore(secondEnd))
                {
                    return Stop();
                }

                bool codeLine = CodeLine.Starts(text[_pos..firstEnd], text[secondStart..secondEnd], _state.Indent > 0, _state.PrevLineCode);
                int bullet = _lexicon.Bullets is { } bullets ? ListLine(bullets, firstEnd, secondStart, secondEnd, codeLine) : 0;
                if (bullet < 0)
                {
                    return Stop();
                }

                _state.AtLineStart = false;
                _state.LineHasContent = true;
                if (codeLine)
                {
                    _state.LineIsCode = true;
                    _state.LineCodeLike = true;
                }

                if (bullet > 0)
                {
                    return true; // the bullet at _pos; the next call goes on from it as from any token
                }

                if (codeLine)
                {
                    continue;
                }
            }

            if (c == '`')
            {
                int run = RunLength(_pos, '`');
                if (NeedsMore(_pos + run))
                {
                    return Stop();
                }

                _state.InlineCodeTicks = run;
                _state.Context = ContextKind.Protected;
                _pos += run;
                continue;
            }

            if (c is '"' or '“')
            {
                _state.QuoteClose = c == '“' ? '”' : '"';
                _state.Context = ContextKind.Protected;
                _pos++;
                continue;
            }

            if (c is '\'' or '‘')
            {
                // An opening single quote (a token that starts with one and a letter): a quoted string or literal.
                if (NeedsMore(_pos + 1))
                {
                    return Stop();
                }

                if (_pos + 1 < text.Length && char.IsAsciiLetter(text[_pos + 1]))
                {
                    _state.QuoteClose = c == '‘' ? '’' : '\'';
                    _state.Context = ContextKind.Protected;
                    _pos++;
                    continue;
                }
            }

            if (c == '”')
            {
                _pos++;
                continue;
            }

            int end = PlainWordEnd(text, _pos);
            bool plainWord = end >= 0;
            if (!plainWord)
            {
                end = TokenEnd(_pos);
            }

            if (NeedsMore(end))
            {
                return Stop();
            }

            ReadOnlySpan<char> token = text[_pos..end];
            if (!plainWord && IsProtectedToken(token))
            {
                _state.Context = EndsSentence(token) ? ContextKind.SentenceStart : ContextKind.Protected;
                _pos = end;
                continue;
            }

            if (!_final && !NextWordDecidable(_pos, end))
            {
                return Stop();
            }

            if (!_final && !plainWord && _lexicon.EchoWindow > 0 && TokenHasLexiconWord(token) && !WindowAheadComplete(end))
            {
                return Stop(); // a word of this token may need the echo window ahead: wait for it before taking any
            }

            _inToken = true;
            _tokenEnd = end;
            if (plainWord)
            {
                _plainWordStart = _pos;
                _plainLettersEnd = char.IsAsciiLetter(text[end - 1]) ? end : end - 1;
            }

            if (NextWordInToken())
            {
                return true;
            }
        }

        if (!_stopped)
        {
            _consumed = _pos;
            _stopped = true;
            WriteContextWord();
            HoldLookAhead();
        }

        return false;
    }

    /// <summary>Mid-line prose outside code, quotes and fences: where <see cref="NextInPlainProse"/> may run.</summary>
    private readonly bool InPlainProse =>
        !_state.AtLineStart && _state.FenceChar == '\0' && !_state.LineIsCode && _state.InlineCodeTicks == 0 && _state.QuoteClose == '\0' && !_state.AllProtected;

    /// <summary>
    /// The usual stretch of an answer, words separated by single spaces, in one tight loop: each plain token (letters
    /// and at most one trailing <c>, . ; : ! ? )</c>) is looked up and passed over as the general loop would, without its
    /// per-character state checks. Stops at anything else (a line end, a quote, code, any other token, the end of a
    /// piece that may still grow), leaving it to the general loop. True when it stopped at an eligible occurrence.
    /// </summary>
    private bool NextInPlainProse()
    {
        ReadOnlySpan<char> text = _text;
        int pos = _pos;
        while (pos < text.Length)
        {
            if (text[pos] == ' ')
            {
                pos++;
                continue;
            }

            int end = PlainWordEnd(text, pos);
            if (end < 0 || (end == text.Length && !_final))
            {
                break; // not a plain token, or one that may still grow: the general loop decides
            }

            int lettersEnd = char.IsAsciiLetter(text[end - 1]) ? end : end - 1;
            bool sentenceEnd = lettersEnd < end && text[lettersEnd] is '.' or '!' or '?';

            if (!_final && end == lettersEnd && !NextWordFollows(end) && !NextWordDecidable(pos, end))
            {
                break;
            }

            ReadOnlySpan<char> word = text[pos..lettersEnd];
            if (word.Length > ScannerState.MaxContextLength)
            {
                _state.Context = ContextKind.Protected;
            }
            else
            {
                _tokenEnd = end;
                if (TakeWord(word, pos))
                {
                    // Resumes in NextWordInToken, which passes the trailing punctuation and ends the token.
                    _inToken = true;
                    _pos = lettersEnd;
                    return true;
                }

                if (_needMore)
                {
                    _pos = pos; // nothing of this word was taken yet: resume at it with more text
                    Stop();
                    return false;
                }
            }

            if (sentenceEnd)
            {
                _state.Context = ContextKind.SentenceStart;
            }

            pos = end;
        }

        _pos = pos;
        return false;
    }

    /// <summary>
    /// Follows the top-level unordered lists at a line start whose first two tokens are known: 1 when the line's bullet is
    /// an occurrence (now <see cref="Current"/>), 0 when not, -1 when a stream must wait for the line's end.
    /// </summary>
    /// <remarks>
    /// <para>A list run is the items of one top-level list with one bullet. CommonMark starts a new list where the bullet
    /// changes, so all bullets of a run take the form of its first (it renders as before), and a run right after another
    /// one (no blank line and paragraph, heading or fence between) keeps a bullet unlike that one's output. The answer's
    /// first list sets its habit: a later list with the same bullet takes the first one's output, one with another bullet
    /// (an answer that mixes them itself) is left as written, so an answer that writes its lists alike still does. Only the
    /// first list, opened at the margin after prose with <c>*</c> or <c>-</c> and a first item that starts with a word, is
    /// keyed: its context is that word, lower-cased, which marking never changes (a lexicon form there makes the list
    /// ineligible). Nested lists, lists in code, fenced or unfenced, and <c>+</c> lists are left as they are. Eligibility
    /// reads only the text's structure, so it is the same in marked and unmarked text.</para>
    /// <para>Every guess errs one way: a list is thought to go on after anything that might not end it (the next run then
    /// follows it: safe, only an occurrence lost), never thought ended where a renderer goes on.</para>
    /// </remarks>
    private int ListLine(LexiconGroup bullets, int firstEnd, int secondStart, int secondEnd, bool codeLine)
    {
        ReadOnlySpan<char> text = _text;
        int indent = _state.Indent;
        char c = text[_pos];
        bool listOpen = _state.ListChar != '\0';
        bool item = firstEnd == _pos + 1 && c is '*' or '-' or '+' && indent <= 3 && (!listOpen || indent < _state.ListContentIndent);
        bool thematicBreak = false;
        if (item && c != '+' && secondEnd > secondStart && text[secondStart..secondEnd].IndexOfAnyExcept(c) < 0)
        {
            // "* * *" and "- - -" are thematic breaks, not items: known only at the line's end.
            int lineEnd = text[secondEnd..].IndexOfAny('\r', '\n');
            lineEnd = lineEnd < 0 ? text.Length : secondEnd + lineEnd;
            if (NeedsMore(lineEnd))
            {
                return -1;
            }

            ReadOnlySpan<char> line = text[_pos..lineEnd];
            thematicBreak = line.IndexOfAnyExcept(c, ' ', '\t') < 0 && line.Count(c) >= 3;
            item = !thematicBreak;
        }

        bool empty = secondEnd == secondStart;
        if (!item || (empty && !listOpen && !_state.PrevLineBlank))
        {
            // Not an item (a lone "-" under a paragraph underlines a heading). At the margin, after a blank line, or as a
            // heading, a fence or a break, a line ends the list; anything else may continue an item's paragraph.
            if (listOpen && indent == 0 && (_state.PrevLineBlank || thematicBreak || IsHeadingMark(text[_pos..firstEnd])))
            {
                _state.ListChar = '\0';
            }

            return 0;
        }

        int spaces = secondStart - firstEnd;
        int contentIndent = indent + 1 + (empty || spaces > 4 ? 1 : spaces);
        if (listOpen && c == _state.ListChar)
        {
            _state.ListContentIndent = contentIndent;
            return codeLine ? 0 : Forced(bullets, c, _state.ListOutputChar);
        }

        char previous = _state.ListOutputChar;
        _state.ListChar = c;
        _state.ListOutputChar = c;
        _state.ListContentIndent = contentIndent;
        if (listOpen)
        {
            // Right after a list with another bullet: a renderer starts a new list here, so the two must still differ.
            return c != previous || codeLine ? 0 : Forced(bullets, c, c == '*' ? '-' : '*');
        }

        if (codeLine || _state.PrevLineCode)
        {
            return 0; // a list in code sets no habit and follows none
        }

        if (_state.AnswerListChar != '\0')
        {
            return c == _state.AnswerListChar ? Forced(bullets, c, _state.AnswerListOutputChar) : 0;
        }

        _state.AnswerListChar = c;
        _state.AnswerListOutputChar = c;
        if (c == '+' || indent > 0 || empty || !TakeBulletContext(text[secondStart..secondEnd]))
        {
            return 0;
        }

        _group = bullets;
        _form = c == bullets.Forms[0][0] ? 0 : 1;
        _start = _pos;
        _bulletForced = -1;
        return 1;
    }

    /// <summary>A later bullet of a run, or a run after another: an occurrence only when its form must change.</summary>
    private int Forced(LexiconGroup bullets, char text, char output)
    {
        _state.ListOutputChar = output;
        if (output == text)
        {
            return 0;
        }

        _group = bullets;
        _form = text == bullets.Forms[0][0] ? 0 : 1;
        _bulletForced = output == bullets.Forms[0][0] ? 0 : 1;
        _start = _pos;
        return 1;
    }

    /// <summary>
    /// The first word of a list's first item (its first token, after <c>* _ [ (</c> of emphasis or a link), lower-cased
    /// into the bullet context. False when there is none, when it is a lexicon form (marking may rewrite it, and the
    /// context must read the same in the output), or when the token is a lower-case <c>key:</c> (a YAML list, not prose).
    /// </summary>
    private bool TakeBulletContext(ReadOnlySpan<char> token)
    {
        int p = 0;
        while (p < token.Length && token[p] is '*' or '_' or '[' or '(')
        {
            p++;
        }

        int end = LettersEnd(token, p);
        if (end == p || end - p > ScannerState.MaxContextLength)
        {
            return false;
        }

        if (p == 0 && end == token.Length - 1 && token[end] == ':' && char.IsAsciiLetterLower(token[0]))
        {
            return false;
        }

        ReadOnlySpan<char> word = token[p..end];
        if (_lexicon.TryFindWordOrEcho(word, out _, out _))
        {
            return false;
        }

        LowerWord(word, _bulletContext);
        _bulletContextLength = word.Length;
        return true;
    }

    private static bool IsHeadingMark(ReadOnlySpan<char> token) => token.Length is > 0 and <= 6 && token.IndexOfAnyExcept('#') < 0;

    private bool Stop()
    {
        _consumed = _pos;
        _stopped = true;
        WriteContextWord();
        HoldLookAhead();
        return false;
    }

    /// <summary>Keeps an unsettled look-ahead in the state, relative to where the next piece starts (see <see cref="ScannerState.Held"/>).</summary>
    private void HoldLookAhead()
    {
        // One that this piece did not reach again no longer fits where the next piece starts.
        _state.Held = _unsettled.Group != 0 && _unsettled.From >= _consumed ? _unsettled.RelativeTo(_consumed) : default;
    }

    private readonly bool NeedsMore(int end) => !_final && end >= _text.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\f' or '\v';

    private readonly int RunLength(int start, char c)
    {
        int p = start;
        while (p < _text.Length && _text[p] == c)
        {
            p++;
        }

        return p - start;
    }

    private readonly int TokenEnd(int start)
    {
        int i = _text[start..].IndexOfAny(TokenTerminators);
        return i < 0 ? _text.Length : start + i;
    }

    /// <summary>
    /// The end of the token at <paramref name="start"/> when it is the usual kind: letters, optionally followed by one
    /// of <c>, . ; : ! ? )</c>, then a token terminator or the end of the text. Such a token is never protected, so the
    /// general search for its end and the protected-token check are skipped. -1 for any other token.
    /// </summary>
    private static int PlainWordEnd(ReadOnlySpan<char> text, int start)
    {
        int end = LettersEnd(text, start);
        if (end == start)
        {
            return -1;
        }

        if (end < text.Length && text[end] is ',' or '.' or ';' or ':' or '!' or '?' or ')')
        {
            end++;
        }

        return end == text.Length || IsTokenTerminator(text[end]) ? end : -1;
    }

    /// <summary>
    /// Where the run of ASCII letters at <paramref name="start"/> ends. Sixteen characters are classified at once and the
    /// run's length read from the mask, instead of a loop over the letters whose exit comes at a different count for
    /// every word (a branch the processor cannot learn).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LettersEnd(ReadOnlySpan<char> text, int start)
    {
        int end = start;
        if (Vector256.IsHardwareAccelerated)
        {
            ref ushort first = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
            while (end <= text.Length - Vector256<ushort>.Count)
            {
                uint letters = LetterMask(ref first, end);
                if (letters != 0xFFFF)
                {
                    return end + BitOperations.TrailingZeroCount(~letters);
                }

                end += Vector256<ushort>.Count;
            }
        }

        while (end < text.Length && char.IsAsciiLetter(text[end]))
        {
            end++;
        }

        return end;
    }

    /// <summary>Which of the sixteen characters at <paramref name="start"/> are ASCII letters, one bit each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint LetterMask(ref ushort first, int start)
    {
        // As char.IsAsciiLetter: (c | 0x20) - 'a' <= 'z' - 'a', unsigned.
        Vector256<ushort> chars = Vector256.LoadUnsafe(ref first, (nuint)start);
        Vector256<ushort> folded = (chars | Vector256.Create((ushort)0x20)) - Vector256.Create((ushort)'a');
        return Vector256.LessThanOrEqual(folded, Vector256.Create((ushort)('z' - 'a'))).ExtractMostSignificantBits();
    }

    // Exactly the characters of TokenTerminators, as compares (cheaper than a SearchValues lookup for one character).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsTokenTerminator(char c) => c is ' ' or '\t' or '\r' or '\n' or '\f' or '\v' or '`' or '"' or '“' or '”';

    private static readonly SearchValues<char> TokenTerminators =
        SearchValues.Create(" \t\r\n\f\v`\"“”");

    private static readonly SearchValues<char> AsciiLetters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>
    /// Lower-cases a word. A word here is ASCII letters joined by apostrophes (' or ’) or hyphens, so ASCII case
    /// folding gives what <c>ToLowerInvariant</c> gives, without its Unicode path (a twentieth of the marking time).
    /// </summary>
    private static void LowerWord(ReadOnlySpan<char> word, Span<char> lower)
    {
        for (int i = 0; i < word.Length; i++)
        {
            char c = word[i];
            lower[i] = char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
        }
    }

    private void EndLine()
    {
        if (_state.LineHasContent)
        {
            // Blank lines inside a code block keep it open: the next indented line still continues it.
            _state.PrevLineCode = _state.LineCodeLike || _state.LineIndentedCode;
        }

        _state.LineCodeLike = false;
        _state.PrevLineBlank = !_state.LineHasContent;
        _state.PrevLineIndentedCode = _state.LineIndentedCode;
        _state.LineIndentedCode = false;
        _state.LineIsCode = false;
        _state.LineHasContent = false;
        _state.Indent = 0;
        _state.AtLineStart = true;
        _state.InlineCodeTicks = 0;
        _state.QuoteClose = '\0';
        _state.Context = ContextKind.SentenceStart;
    }

    private void StepInsideFence(char c)
    {
        if (c == '\n')
        {
            bool closes = _state.FenceLinePhase is 1 or 2 && _state.FenceLineRun >= _state.FenceLength;
            _state.FenceLinePhase = 0;
            _state.FenceLineRun = 0;
            if (closes)
            {
                _state.FenceChar = '\0';
            }

            _state.LineHasContent = true;
            EndLine();
            return;
        }

        switch (_state.FenceLinePhase)
        {
            case 0 when IsSpace(c):
                break;
            case 0 or 1 when c == _state.FenceChar:
                _state.FenceLinePhase = 1;
                _state.FenceLineRun++;
                break;
            case 1 or 2 when IsSpace(c):
                _state.FenceLinePhase = 2;
                break;
            default:
                _state.FenceLinePhase = 3;
                break;
        }
    }

    private static bool IsProtectedToken(ReadOnlySpan<char> token)
    {
        if (token.Length > 1 && token[0] == '-' && (token[1] == '-' || char.IsAsciiLetter(token[1])))
        {
            return true; // a command-line flag
        }

        // Most tokens are a plain word, or one with trailing punctuation: skip the letters in one vectorised search.
        int firstOther = token.IndexOfAnyExcept(AsciiLetters);
        if (firstOther < 0)
        {
            return false;
        }

        for (int i = firstOther; i < token.Length; i++)
        {
            char c = token[i];
            if (char.IsAsciiLetter(c))
            {
                continue;
            }

            if (char.IsAsciiDigit(c))
            {
                return true;
            }

            if (c >= 0x80)
            {
                if (c is '’' or '‘' or '—' or '–' or '…' or '•' or '«' or '»' or '‐' or '‑' or '·')
                {
                    continue;
                }

                return true; // a letter of another script, an emoji, a stray surrogate: not English prose
            }

            bool letterBefore = i > 0 && char.IsAsciiLetter(token[i - 1]);
            bool letterAfter = i + 1 < token.Length && char.IsAsciiLetter(token[i + 1]);
            switch (c)
            {
                case '/' or '\\' or '@' or '=' or '<' or '>' or '{' or '}' or '|' or '$' or '~' or '^' or '+' or '_' or '%' or '&' or '#':
                    return true;
                case '(' when letterBefore:
                case '.' when letterBefore && letterAfter:
                case ':' when letterAfter || (i + 1 < token.Length && token[i + 1] == ':'):
                    return true;
            }
        }

        return false;
    }

    private static bool EndsSentence(ReadOnlySpan<char> trailing)
    {
        for (int i = trailing.Length - 1; i >= 0; i--)
        {
            char c = trailing[i];
            if (c is '.' or '!' or '?')
            {
                return true;
            }

            if (c is not (')' or ']' or '\'' or '’' or '*' or '_' or '"' or '”'))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>
    /// The usual answer of <see cref="NextWordDecidable"/> for a token that ends in a letter, without the call: something
    /// other than a blank follows at once or after one blank, before the piece's last run of letters (its first two steps).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly bool NextWordFollows(int tokenEnd) =>
        (tokenEnd < _trailingLettersStart && _text[tokenEnd] is not (' ' or '\t'))
        || (tokenEnd + 1 < _trailingLettersStart && _text[tokenEnd + 1] is not (' ' or '\t'));

    /// <summary>In a stream, a word whose eligibility depends on the next word waits until that word is complete.</summary>
    private readonly bool NextWordDecidable(int tokenStart, int tokenEnd)
    {
        int p = tokenEnd;
        while (p > tokenStart && !char.IsAsciiLetter(_text[p - 1]))
        {
            p--;
        }

        if (p != tokenEnd || p == tokenStart)
        {
            return true; // punctuation after the last word: it has no next word
        }

        // Cheap first: the next word is complete unless all that follows this token is blanks and the piece's last,
        // still growing, run of letters (away from the end of the piece, something else always follows).
        // A scalar loop: it stops at the first character after the token's terminator, usually the next word's first.
        for (int i = tokenEnd; i < _trailingLettersStart; i++)
        {
            if (_text[i] is not (' ' or '\t'))
            {
                return true;
            }
        }

        // The next word is not complete yet: that only matters when the last word's eligibility depends on it.
        int wordStart = p;
        while (wordStart > tokenStart && char.IsAsciiLetter(_text[wordStart - 1]))
        {
            wordStart--;
        }

        // A capitalised word also depends on it (a capital next means a name).
        return !_lexicon.TryFind(_text[wordStart..p], out var group, out _) || !(group.NeedsNextWord || char.IsAsciiLetterUpper(_text[wordStart]));
    }

    private bool NextWordInToken()
    {
        ReadOnlySpan<char> text = _text;
        while (true)
        {
            int p = _pos;
            bool sentence = false;
            while (p < _tokenEnd && !char.IsAsciiLetter(text[p]))
            {
                sentence |= text[p] is '.' or '!' or '?';
                p++;
            }

            if (sentence)
            {
                _state.Context = ContextKind.SentenceStart;
            }

            if (p >= _tokenEnd)
            {
                _pos = _tokenEnd;
                _inToken = false;
                return false;
            }

            int wordStart = p++;
            if (wordStart == _plainWordStart)
            {
                // A plain token's letters, already found by PlainWordEnd: what follows them is punctuation or the token's end.
                p = _plainLettersEnd;
            }
            else
            {
                while (p < _tokenEnd)
                {
                    char c = text[p];
                    if (char.IsAsciiLetter(c))
                    {
                        p++;
                    }
                    else if (c is '\'' or '’' or '-' && p + 1 < _tokenEnd && char.IsAsciiLetter(text[p + 1]))
                    {
                        p += 2;
                    }
                    else
                    {
                        break;
                    }
                }
            }

            _pos = p;
            ReadOnlySpan<char> word = text[wordStart..p];
            if (word.Length > ScannerState.MaxContextLength)
            {
                _state.Context = ContextKind.Protected;
                continue;
            }

            if (TakeWord(word, wordStart))
            {
                return true;
            }

            if (_needMore)
            {
                // Only a token's single word can get here (a longer token waited for the window before it was entered),
                // and nothing of it was taken: resume at it with more text.
                _pos = wordStart;
                _inToken = false;
                Stop();
                return false;
            }
        }
    }

    /// <summary>
    /// A word of the current token (ending before <see cref="_tokenEnd"/>): true when it is an eligible occurrence, now
    /// <see cref="Current"/>; otherwise it becomes the context word.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TakeWord(ReadOnlySpan<char> word, int wordStart)
    {
        if (_lexicon.TryFindWordOrEcho(word, out var group, out int form))
        {
            if (form < 0)
            {
                Remember(group.Index); // an echo word: never rewritten, but it closes its group's window
                _state.WordCount++;
                _state.Context = ContextKind.Word;
                _contextWordStart = wordStart;
                _contextWordLength = word.Length;
                return false;
            }

            WriteContextWord(); // the eligibility rules and the occurrence read the previous word
            int wordEnd = wordStart + word.Length;
            WordCasing casing = WordCasing.Lower;
            bool eligible = group.IsSource(form) && IsEligible(group, word, wordEnd, out casing) && !SeenWithinWindow(group.Index);
            if (eligible)
            {
                var (found, complete) = LookAhead(group, wordEnd);
                if (!found && !complete)
                {
                    _needMore = true; // nothing taken yet: the caller stops here and resumes at this word
                    return false;
                }

                eligible = !found;
            }

            Remember(group.Index);
            _state.WordCount++;
            if (eligible)
            {
                _group = group;
                _form = form;
                _start = wordStart;
                _length = word.Length;
                _casing = casing;
                _pendingForm = group.Forms[form];
                return true;
            }
        }
        else
        {
            _state.WordCount++;
        }

        _state.Context = ContextKind.Word;
        _contextWordStart = wordStart;
        _contextWordLength = word.Length;
        return false;
    }

    private readonly bool IsEligible(LexiconGroup group, ReadOnlySpan<char> word, int wordEnd, out WordCasing casing)
    {
        casing = WordCasing.Lower;
        if (char.IsAsciiLetterUpper(word[0]))
        {
            ReadOnlySpan<char> rest = word[1..];
            if (!rest.ContainsAnyInRange('A', 'Z') && _state.Context == ContextKind.SentenceStart && !NextWordCapitalised(wordEnd))
            {
                // Capitalised only as a sentence's first word; mid-sentence, or before another capital ("Brave Browser"),
                // it is a name or a title.
                casing = WordCasing.Title;
            }
            else
            {
                // ALL-CAPS words are keywords (SELECT, WHERE), acronyms or shouting: never rewritten.
                return false;
            }
        }
        else if (word.ContainsAnyInRange('A', 'Z'))
        {
            return false;
        }

        Debug.Assert(_contextWordStart < 0 || _state.Context != ContextKind.Word, "the previous word is written into the state before it is read");
        ReadOnlySpan<char> context = ContextSpan;
        if (!group.IsAllowedAfter(context))
        {
            return false;
        }

        if (group.MixedArticle && (context is "a" || context is "an"))
        {
            return false;
        }

        if (group.RequiresComma && !(wordEnd < _tokenEnd && _text[wordEnd] == ','))
        {
            return false;
        }

        if (group.OnlyBefore is not null)
        {
            Span<char> key = stackalloc char[ScannerState.MaxContextLength];
            if (!group.IsAllowedBefore(NextKey(_text, wordEnd, key)))
            {
                return false;
            }
        }

        if (group.NeedsNextWord)
        {
            ReadOnlySpan<char> next = wordEnd == _tokenEnd ? NextWord(wordEnd) : default;
            if (group.RequiresNextWord && next.IsEmpty)
            {
                return false;
            }

            if (group.NotBefore is not null && !next.IsEmpty && next.Length <= 32)
            {
                Span<char> lower = stackalloc char[next.Length];
                LowerWord(next, lower);
                if (group.IsBlockedBefore(lower))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// What follows a word, as the <c>before</c> guard reads it: the punctuation character right after it, the next word
    /// lower-cased (its letters), <c>$</c> when nothing follows on the line, <c>#</c> for anything else (a quote, a
    /// number, code). The lexicon builder counts contexts with this same function.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="wordEnd">Where the word ends.</param>
    /// <param name="buffer">Room for the key (<see cref="ScannerState.MaxContextLength"/> characters).</param>
    public static ReadOnlySpan<char> NextKey(ReadOnlySpan<char> text, int wordEnd, Span<char> buffer)
    {
        int q = wordEnd;
        if (q < text.Length && text[q] is not (' ' or '\t'))
        {
            if (text[q] is '\r' or '\n')
            {
                return "$";
            }

            buffer[0] = text[q];
            return buffer[..1];
        }

        while (q < text.Length && text[q] is ' ' or '\t')
        {
            q++;
        }

        if (q == text.Length || text[q] is '\r' or '\n')
        {
            return "$";
        }

        int start = q;
        while (q < text.Length && char.IsAsciiLetter(text[q]))
        {
            q++;
        }

        if (q == start || q - start > buffer.Length)
        {
            return "#";
        }

        LowerWord(text[start..q], buffer);
        return buffer[..(q - start)];
    }

    private readonly bool SeenWithinWindow(int groupIndex)
    {
        int window = _lexicon.EchoWindow;
        if (window == 0)
        {
            return false;
        }

        for (int i = 0; i < RecentOccurrences.Length; i++)
        {
            long entry = _state.Recent[i];
            if ((int)(entry >> 32) == groupIndex + 1 && _state.WordCount - (int)entry <= window)
            {
                return true;
            }
        }

        return false;
    }

    private void Remember(int groupIndex)
    {
        _state.Recent[_state.RecentNext] = ((long)(groupIndex + 1) << 32) | (uint)_state.WordCount;
        _state.RecentNext = (_state.RecentNext + 1) % RecentOccurrences.Length;
    }

    /// <summary>True when the text after <paramref name="from"/> holds <see cref="CanaryLexicon.EchoWindow"/> complete runs of letters.</summary>
    private readonly bool WindowAheadComplete(int from)
    {
        int window = _lexicon.EchoWindow;
        if (window == 0)
        {
            return true;
        }

        int end = WindowEnd(_text, from, window, out bool full, out _);
        return full && end < _text.Length; // the last run may still grow
    }

    /// <summary>
    /// Whether a word of <paramref name="group"/> (a form or an echo word) is among the next
    /// <see cref="CanaryLexicon.EchoWindow"/> runs of letters after <paramref name="from"/>, and whether that is settled (a
    /// word found, the window complete, or the text final). A run that touches the end of a text still arriving may grow,
    /// so it settles nothing.
    /// </summary>
    /// <remarks>
    /// The window's end is found by counting runs sixteen characters at a time, and the group's few words are then searched
    /// for in it, rather than each run of the window being looked up: an eligible word looks 150 runs ahead, and looking
    /// each one up was the engine's largest cost under load.
    /// </remarks>
    private (bool Found, bool Complete) LookAhead(LexiconGroup group, int from)
    {
        int window = _lexicon.EchoWindow;
        _unsettled = default;
        if (window == 0)
        {
            return (false, true);
        }

        // The same look-ahead, left unsettled where the previous piece ended, goes on where it was settled.
        int start = from;
        int runsBefore = 0;
        if (_state.Held.Group == group.Index + 1 && _state.Held.From == from)
        {
            start = _state.Held.Settled;
            runsBefore = _state.Held.Runs;
        }

        _state.Held = default;
        ReadOnlySpan<char> text = _text;
        int windowEnd = WindowEnd(text, start, window - runsBefore, out bool full, out int runs);

        // The window's last run, when it touches the end of a text still arriving.
        bool lastMayGrow = !_final && windowEnd == text.Length && windowEnd > start && char.IsAsciiLetter(text[windowEnd - 1]);
        int firstEnd = FindRunEnd(text, start, windowEnd, group);
        bool settled;
        bool found;
        if (firstEnd >= 0)
        {
            // The first word found is settled unless it is the last run, which may still grow into another word.
            settled = !(lastMayGrow && firstEnd == text.Length);
            found = settled;
        }
        else
        {
            settled = !lastMayGrow && (full || _final);
            found = false;
        }

        if (!settled)
        {
            // Everything before the last run (or the end) holds none of the group's words.
            _unsettled = new HeldLookAhead(group.Index + 1, from, lastMayGrow ? _trailingLettersStart : text.Length, runsBefore + (lastMayGrow ? runs - 1 : runs));
        }

        return (found, settled);
    }

    /// <summary>
    /// Where the <paramref name="window"/>-th run of ASCII letters from <paramref name="from"/> ends (a run starting at
    /// <paramref name="from"/> counts whatever precedes it), or the text's length when fewer runs follow; <paramref name="full"/>
    /// says which. Sixteen characters are classified at once and the runs that start among them counted from the mask.
    /// </summary>
    private static int WindowEnd(ReadOnlySpan<char> text, int from, int window, out bool full, out int runs)
    {
        runs = 0;
        int p = from;
        bool previousLetter = false;
        if (Vector256.IsHardwareAccelerated)
        {
            ref ushort first = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
            while (p <= text.Length - Vector256<ushort>.Count)
            {
                uint letters = LetterMask(ref first, p);
                uint starts = letters & ~((letters << 1) | (previousLetter ? 1u : 0u));
                int count = BitOperations.PopCount(starts);
                if (runs + count >= window)
                {
                    for (int skip = window - runs - 1; skip > 0; skip--)
                    {
                        starts &= starts - 1;
                    }

                    runs = window;
                    full = true;
                    return LettersEnd(text, p + BitOperations.TrailingZeroCount(starts));
                }

                runs += count;
                previousLetter = (letters & 0x8000) != 0;
                p += Vector256<ushort>.Count;
            }
        }

        for (; p < text.Length; p++)
        {
            bool letter = char.IsAsciiLetter(text[p]);
            if (letter && !previousLetter && ++runs == window)
            {
                full = true;
                return LettersEnd(text, p);
            }

            previousLetter = letter;
        }

        full = false;
        return text.Length;
    }

    /// <summary>
    /// Where the first whole run of letters in <c>text[from..end]</c> that is one of the group's
    /// <see cref="LexiconGroup.WindowWords"/> in any ASCII case ends, or -1. A run starting at <paramref name="from"/> counts
    /// whatever precedes it, as the window does; <paramref name="end"/> is a run's end or the text's.
    /// </summary>
    private static int FindRunEnd(ReadOnlySpan<char> text, int from, int end, LexiconGroup group)
    {
        int p = from;
        while (p < end)
        {
            int found = text[p..end].IndexOfAny(group.WindowWordSearch);
            if (found < 0)
            {
                return -1;
            }

            int at = p + found;
            int after = at + 1;
            while (after < text.Length && char.IsAsciiLetter(text[after]))
            {
                after++;
            }

            // Case-insensitive search also matches a few non-ASCII letters (the long s as an s), and a word inside a longer
            // run: each hit is checked as a whole run of ASCII letters, as the lexicon's table would check it.
            if ((at == from || !char.IsAsciiLetter(text[at - 1])) && IsWindowWord(text[at..after], group.WindowWords))
            {
                return after;
            }

            p = at + 1;
        }

        return -1;
    }

    private static bool IsWindowWord(ReadOnlySpan<char> run, string[] words)
    {
        foreach (string word in words)
        {
            if (FormTable.EqualsIgnoreAsciiCase(run, word))
            {
                return true;
            }
        }

        return false;
    }

    private readonly bool TokenHasLexiconWord(ReadOnlySpan<char> token)
    {
        int p = 0;
        while (p < token.Length)
        {
            if (!char.IsAsciiLetter(token[p]))
            {
                p++;
                continue;
            }

            int end = LettersEnd(token, p);
            if (_lexicon.Contains(token[p..end]))
            {
                return true;
            }

            p = end;
        }

        return false;
    }

    private readonly bool NextWordCapitalised(int wordEnd) => NextWord(wordEnd) is { IsEmpty: false } next && char.IsAsciiLetterUpper(next[0]);

    private readonly ReadOnlySpan<char> NextWord(int from)
    {
        int q = from;
        while (q < _text.Length && _text[q] is ' ' or '\t')
        {
            q++;
        }

        int start = q;
        while (q < _text.Length && char.IsAsciiLetter(_text[q]))
        {
            q++;
        }

        return _text[start..q];
    }

    private void SetContextWord(scoped ReadOnlySpan<char> lowerCaseWord)
    {
        _state.Context = ContextKind.Word;
        _state.ContextLength = lowerCaseWord.Length;
        lowerCaseWord.CopyTo(_state.ContextText);
        _contextWordStart = -1;
    }

    /// <summary>Lower-cases the context word still held as a place in the text into the state (if it is still the context).</summary>
    private void WriteContextWord()
    {
        if (_contextWordStart < 0)
        {
            return;
        }

        if (_state.Context == ContextKind.Word)
        {
            LowerWord(_text.Slice(_contextWordStart, _contextWordLength), _state.ContextText);
            _state.ContextLength = _contextWordLength;
        }

        _contextWordStart = -1;
    }
}
