using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CanaryService.Core.Phrases;

namespace CanaryService.Core.Marking;

/// <summary>
/// Puts the canary sentence where an answer closes. An answer whose last paragraph is a generic closing ("I hope this
/// helps! Let me know if you have any questions.") has that paragraph replaced by the canary, which says the same in
/// other words; any other prose answer of at least <see cref="MinimumProseWords"/> words gets the canary appended as
/// its last paragraph. Nothing is inserted into structured output (JSON, XML or HTML, code only), into a short output
/// (a label, a title, a date, one rewritten sentence), into an answer not written in English (more than a tenth of
/// its letters outside A–Z), after an answer cut off mid-sentence or mid-table, after one stuck in a loop, after one
/// that ends inside a code block, after one that already closes in its own way (a question about its content, a
/// closing mixed with advice, a send-off such as "Good luck with your project!" or any last sentence ending in "!"),
/// or after a template to fill in
/// (a placeholder such as "[Your Name]", a letter's sign-off, a line of hashtags). An answer whose last paragraph is a
/// short wish ("Enjoy your meal!") gets the canary just before it. A generic closing is a short paragraph of hopes
/// ("I hope this helps!") and offers ("Let me know if…", "Would you like more examples?") and nothing else.
/// Whole-text and streaming output are identical for every chunking.
/// </summary>
/// <remarks>
/// <para>The end is the one place every prose answer offers: a sentence before a list, inside a paragraph or after an
/// opening line ending in a colon would break what the answer is doing, while a closing hope and an offer of help read
/// naturally after an explanation, a list, code, a poem or a one-line fact. A second closing after the answer's own
/// would read as padding, hence the replacement of generic closings and the skip of the rest. A closing longer than
/// the answer it closes pads it too, hence the minimum length. Requests for a piece in another voice (a poem, a
/// letter, a speech) draw no canary at all (<see cref="PieceRequest"/>); the template rule catches the pieces whose
/// prompt did not say so.</para>
/// <para>Streaming: a paragraph is held back only while it may be a generic closing. Its first characters wait until
/// they rule out every closing opener (a few characters, like a code fence at a line start); one that opens like a
/// closing waits until the next paragraph starts (then it goes out unchanged), until it grows past
/// <see cref="HeldLimit"/> (likewise), or until the answer ends. Everything else passes at once.</para>
/// <para>Idempotent: an answer that carries a canary ends with one, which is a closing, so marking it again adds and
/// replaces nothing.</para>
/// </remarks>
internal sealed partial class PhraseInsertion
{
    /// <summary>How much of the last paragraph is kept to look for a closing (its last characters).</summary>
    internal const int TailLimit = 512;

    /// <summary>
    /// Fewer words than this outside code make a short output (a label, a title, a date, one rewritten sentence) that
    /// a two-sentence closing would only pad; readers judged such closings awkward.
    /// </summary>
    internal const int MinimumProseWords = 40;

    /// <summary>An answer of fewer words that opens with a refusal is only a refusal; a longer one goes on to help.</summary>
    internal const int RefusalWords = 120;

    /// <summary>How much of the answer's start is kept to tell a refusal ("I'm sorry, but I can't…").</summary>
    internal const int OpeningLimit = 200;

    /// <summary>A paragraph of fewer words after a template's sign-off ("[Your Name]", a title, a company) belongs to it.</summary>
    internal const int TemplateLineWords = 12;

    /// <summary>The longest closing paragraph held back (and replaced); a longer one says more than a closing.</summary>
    internal const int HeldLimit = 240;

    /// <summary>
    /// The longest offer as a question that a canary may replace ("Would you like me to go into more detail about any of
    /// these exercises?"): it names what more it offers, and offers nothing else. A hope or an offer in a statement
    /// stays within 90 characters; a longer one says more than a closing.
    /// </summary>
    internal const int OfferQuestionLimit = 160;

    /// <summary>Lines of at least this many visible characters are counted to tell a generation stuck in a loop.</summary>
    internal const int LoopLineLength = 12;

    /// <summary>A paragraph of at least this many visible characters, said twice, is a generation that went round.</summary>
    internal const int LoopParagraphLength = 40;

    /// <summary>The longest repeating unit (in characters) looked for at the end of a generation stuck in a loop.</summary>
    internal const int LoopPeriodLimit = 120;

    /// <summary>The shortest repeating run at the end, in characters, that a loop must cover (besides four periods).</summary>
    internal const int LoopRunLength = 150;

    // FNV-1a, to remember lines and paragraphs already said without keeping their text.
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    // Lower-case openers of a wish, as a paragraph of its own or as the last sentence of a longer one ("…for your
    // menu. Have fun and enjoy the game!"): a later sentence starting otherwise is never held back.
    private static readonly string[] WishOpeners =
    [
        "enjoy", "good luck", "best of luck", "have fun", "happy ", "bon app", "best wishes",
    ];

    // Lower-case openers of a generic closing paragraph, the wishes among them: a paragraph starting otherwise is never
    // held back.
    private static readonly string[] Openers =
    [
        "i hope ", "hope this", "hope that", "hopefully", "let me know", "please let me know", "feel free",
        "please feel free", "if you have any", "don't hesitate", "do not hesitate", "would you like", "do you have",
        "do you want", "do you need", "is there anything", "shall i", "should i", "how can i", "can i help",
        .. WishOpeners, "cheers",
    ];

    // Lower-case fragments that make a last paragraph a closing already (see the remarks). "hope" in "i hope" and
    // "hopefully" also covers every canary sentence.
    private static readonly string[] ClosingMarkers =
    [
        "i hope", "hope this", "hope that", "hope it ", "hope you", "hopefully", "let me know", "feel free", "hesitate to",
        "happy to help", "glad to help", "happy to assist", "here to help", "further questions", "other questions",
        "more questions", "any questions", "additional questions", "follow-up questions", "assist you", "do my best",
        "would you like", "shall we", "i'd be happy", "i would be happy", "i'd be glad", "i would be glad",
        "i'm happy to", "i am happy to", "i'm here to", "i am here to", "i'm here if", "help you further",
    ];

    private static readonly HashSet<string> Canaries = [.. Enumerable.Range(0, CanaryPhrasing.Count).Select(i => CanaryPhrasing.Phrasing(i).ToLowerInvariant())];

    private readonly string _sentence;
    private readonly int _minimumProseWords;
    private readonly HashSet<ulong> _lines = [];
    private readonly HashSet<ulong> _paragraphs = [];
    private int _countedLines;
    private int _repeatedLines;
    private ulong _lineHash = FnvOffset;
    private int _lineVisible;
    private ulong _paragraphHash = FnvOffset;
    private int _paragraphVisible;
    private readonly char[] _tail = new char[TailLimit];
    private readonly char[] _opening = new char[OpeningLimit];
    private int _openingLength;
    private readonly StringBuilder _held = new();
    private HoldState _hold;
    private int _tailStart;
    private int _tailLength;
    private bool _started;
    private bool _structured;
    private bool _finished;
    private bool _inFence;
    private bool _proseSeen;
    private int _words;
    private int _asciiLetters;
    private int _otherLetters;
    private bool _inWord;
    private bool _blankBefore;
    private bool _previousParagraphCloses;
    private bool _templateBefore;
    private bool _previousParagraphSaysGoodbye;
    private bool _tailEnded;
    private bool _lineHasContent;
    private bool _lineHasLetter;
    private bool _lineIsTableRow;
    private bool _lineStartsWithLetter;
    private int _fenceRun;
    private bool _fenceRunOpen;
    private bool _crLf;
    private int _trailingNewlines;
    private char _lastChar;

    /// <param name="sentence">The canary sentence.</param>
    /// <param name="minimumProseWords">
    /// Fewer words of prose make a short output; more than <see cref="MinimumProseWords"/> for a verdict
    /// (<see cref="VerdictRequest"/>), which a closing pads at a length where an explanation would take one.
    /// </param>
    public PhraseInsertion(string sentence, int minimumProseWords = MinimumProseWords)
    {
        _sentence = sentence;
        _minimumProseWords = Math.Clamp(minimumProseWords, 1, RefusalWords);
    }

    private enum HoldState
    {
        None,
        Opening, // the paragraph's first characters, while they may still open a closing
        Closing, // a paragraph that opens like a closing, until the next paragraph or the end
        WishOpening, // a later sentence's first characters in a prose line, while they may still open a wish
        Wish, // a later sentence that opens like a wish, until the next paragraph or the end
    }

    /// <summary>True once the sentence has been put into the answer.</summary>
    public bool Inserted { get; private set; }

    /// <summary>Once finished without inserting: which rule kept the canary out (for the corpus report).</summary>
    internal string? SkipReason { get; private set; }

    /// <summary>Copies the next part of the (already marked) answer to <paramref name="output"/>, holding back a possible closing.</summary>
    public void Process(ReadOnlySpan<char> text, ref MarkedOutput output)
    {
        if (_finished || _structured)
        {
            output.Append(text);
            return;
        }

        int copied = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            char previous = _lastChar;
            bool paragraphStarts = _hold == HoldState.None && IsParagraphStart(c);
            if (_hold is HoldState.Closing or HoldState.Wish && IsParagraphStart(c))
            {
                // Another paragraph: the held one was not the last. It goes out as it was.
                output.Append(text[copied..i]);
                FlushHeld(ref output);
                copied = i;
                paragraphStarts = true;
            }

            Observe(c);
            if (_structured)
            {
                output.Append(text[copied..]);
                FlushHeld(ref output);
                return;
            }

            if (paragraphStarts && !_inFence && _words > 0)
            {
                output.Append(text[copied..i]);
                copied = i;
                _hold = HoldState.Opening;
            }
            else if (_hold == HoldState.None && c == ' ' && previous is ('.' or '!' or '?') && _lineStartsWithLetter && !_inFence && _words > 0)
            {
                // A sentence ends inside a prose line: the next one may be a final wish, which the canary would go before.
                output.Append(text[copied..i]);
                copied = i;
                _hold = HoldState.WishOpening;
            }

            if (_hold == HoldState.None)
            {
                continue;
            }

            _held.Append(c);
            copied = i + 1;
            if (_hold is HoldState.Opening or HoldState.WishOpening)
            {
                _hold = _hold == HoldState.Opening ? OpenerState() : WishOpenerState();
                if (_hold == HoldState.None)
                {
                    FlushHeld(ref output);
                }
            }
            else if (_held.Length > HeldLimit)
            {
                _hold = HoldState.None;
                FlushHeld(ref output);
            }
        }

        output.Append(text[copied..]);
    }

    /// <summary>Called once the answer has ended: writes what was held back and the canary, where it belongs.</summary>
    public void Finish(ref MarkedOutput output)
    {
        if (_finished)
        {
            return;
        }

        if (_lineHasContent)
        {
            EndLine(); // the last line, without a newline after it
        }

        _finished = true;
        string held = _held.ToString(); // what was held back, read once: every rule below looks at it
        string? finalWish = _hold == HoldState.Wish && FinalWish(held) ? held : null;
        if (finalWish is not null && !_structured && !_inFence && _words >= _minimumProseWords && InEnglishLetters() && !_previousParagraphSaysGoodbye
            && PlainBefore(finalWish) && !Loops())
        {
            // The last paragraph ends with a wish ("…when planning your menu. Have fun and enjoy the game!"): the canary
            // goes before it, as closings usually do, and the two close the answer in a paragraph of their own.
            string wish = finalWish.TrimStart(' ');
            _held.Clear();
            output.Append(_crLf ? "\r\n\r\n" : "\n\n");
            output.Append(_sentence);
            output.Append(" ");
            output.Append(wish);
            output.MarkChanged();
            Inserted = true;
            return;
        }

        if (_hold == HoldState.Closing && !_structured && !_inFence && InEnglishLetters() && !_previousParagraphSaysGoodbye && !_templateBefore
            && Replaceable(held) is { } trailing)
        {
            // The answer ends with a generic closing: the canary takes its place, in the same layout. Not after a letter's
            // sign-off ("Sincerely,\nPast You", then "Would you like help with anything further?"): there the canary
            // reads as the letter's second closing.
            _held.Clear();
            output.Append(_sentence);
            output.Append(trailing);
            output.MarkChanged();
            Inserted = true;
            return;
        }

        if (_hold == HoldState.Closing && !_structured && !_inFence && _words >= _minimumProseWords && InEnglishLetters() && !_previousParagraphCloses && !_previousParagraphSaysGoodbye && IsWish(held) && !Loops())
        {
            // The answer ends with a wish ("Enjoy your meal!"): the canary goes before it, as closings usually do.
            string wish = held;
            _held.Clear();
            string separator = _crLf ? "\r\n\r\n" : "\n\n";
            output.Append(_sentence);
            output.Append(separator);
            output.Append(wish);
            output.MarkChanged();
            Inserted = true;
            return;
        }

        bool endsWithWish = _hold == HoldState.Closing && IsWish(held);
        bool wishAfterClosing = finalWish is not null && Closes(Before(finalWish));
        bool closesTwice = _hold == HoldState.Closing && _previousParagraphSaysGoodbye; // "I hope this helps. …" then "Would you like more?"
        FlushHeld(ref output);
        SkipReason = _structured ? "structured" : _inFence ? "ends inside code" : !_proseSeen ? "no prose"
            : _words < _minimumProseWords ? "short" : !InEnglishLetters() ? "not English"
            : endsWithWish || wishAfterClosing ? "wish after a closing" : closesTwice ? "closes" : Refuses() ? "refusal" : Loops() ? "loops" : EndsOnItsOwn();
        if (SkipReason is not null)
        {
            return;
        }

        string newline = _crLf ? "\r\n" : "\n";
        if (_lastChar != '\n')
        {
            output.Append(newline);
            output.Append(newline);
        }
        else if (_trailingNewlines == 1)
        {
            output.Append(newline);
        }

        output.Append(_sentence);
        if (_lastChar == '\n')
        {
            output.Append(newline); // the answer ended with a line break: so does the marked one
        }

        output.MarkChanged();
        Inserted = true;
    }

    /// <summary>
    /// The trailing whitespace of <paramref name="paragraph"/> when it is a generic closing that the canary may replace
    /// (every sentence a hope or an offer of help, nothing else said), otherwise null. A canary phrasing is never
    /// replaced: that would swap one response's canary for another's.
    /// </summary>
    internal static string? Replaceable(string paragraph)
    {
        string body = paragraph.TrimEnd();
        string normalised = body.Replace('’', '\'').ToLowerInvariant();
        if (body.Length == 0 || Canaries.Contains(normalised))
        {
            return null;
        }

        foreach (string sentence in SentenceEnd().Split(normalised))
        {
            string s = sentence.Trim();
            if (s.Length > 0 && (s.Length > (s.EndsWith('?') ? OfferQuestionLimit : 90) || !GenericSentence().IsMatch(s) || !AboutTheExchange().IsMatch(s)))
            {
                return null;
            }
        }

        return paragraph[body.Length..];
    }

    /// <summary>Whether <paramref name="paragraph"/> is only a short wish (every sentence "Enjoy…", "Good luck…", "Happy coding!").</summary>
    internal static bool IsWish(string paragraph)
    {
        string normalised = paragraph.Trim().Replace('’', '\'').ToLowerInvariant();
        return normalised.Length > 0 && !Closes(normalised)
            && SentenceEnd().Split(normalised).All(s => s.Trim() is { Length: <= 90 } t && (t.Length == 0 || WishSentence().IsMatch(t)));
    }

    /// <summary>
    /// Whether <paramref name="sentences"/>, the end of a longer paragraph, is a short wish the canary may go before: every
    /// sentence a wish ("Good luck with your bake!", "Happy baking!"), none saying more ("Happy Gilmore is a film.").
    /// </summary>
    internal static bool FinalWish(string sentences)
    {
        string normalised = sentences.Trim().Replace('’', '\'').ToLowerInvariant();
        return IsWish(normalised) && SentenceEnd().Split(normalised).All(s => s.Trim().Length == 0 || StrictWishSentence().IsMatch(s.Trim()));
    }

    // What the last paragraph says before its final wish (lower-case, trimmed; its last characters at most).
    private string Before(string held)
    {
        string tail = Tail();
        string wish = held.Replace('’', '\'').Trim().ToLowerInvariant();
        return tail.EndsWith(wish, StringComparison.Ordinal) ? tail[..^wish.Length].TrimEnd() : "";
    }

    // The sentences before a final wish say something of their own: no closing, send-off, template or broken line,
    // so that the canary and the wish are the only closing the answer gets.
    private bool PlainBefore(string held)
    {
        string before = Unadorned(Before(held));
        return before.Length > 0 && !Closes(before) && !SendsOff(before) && !WishInside().IsMatch(before) && !IsTemplate(before) && !CutOff(before);
    }

    private HoldState WishOpenerState() => MatchOpener(WishOpeners, HoldState.WishOpening, HoldState.Wish);

    // Whether the held characters (after leading spaces) open like one of openers: matched (it starts with one),
    // still open (they are the start of one) or none. Compared in place, lower-cased and with ’ read as ', without a
    // copy of the held characters: this runs for a few characters at every paragraph start and, in an answer that
    // drew a canary, after every sentence end.
    private HoldState MatchOpener(string[] openers, HoldState open, HoldState matched)
    {
        int start = 0;
        while (start < _held.Length && _held[start] == ' ')
        {
            start++;
        }

        int length = _held.Length - start;
        if (length == 0)
        {
            return open;
        }

        foreach (string opener in openers)
        {
            int common = Math.Min(length, opener.Length);
            int i = 0;
            while (i < common && (_held[start + i] is '’' ? '\'' : char.ToLowerInvariant(_held[start + i])) == opener[i])
            {
                i++;
            }

            if (i == common)
            {
                return length >= opener.Length ? matched : open;
            }
        }

        return HoldState.None;
    }

    // The canary is English: an answer written mostly in other letters (Korean, Russian, Greek) would get a sentence
    // in a language it does not speak. A few accented letters (café, naïve) are English prose still.
    private bool InEnglishLetters() => _otherLetters * 10 <= _asciiLetters + _otherLetters;

    private bool IsParagraphStart(char c) =>
        _blankBefore && !_lineHasContent && c is not (' ' or '\t' or '\r' or '\n');

    private HoldState OpenerState() => MatchOpener(Openers, HoldState.Opening, HoldState.Closing);

    private void FlushHeld(ref MarkedOutput output)
    {
        if (_held.Length == 0)
        {
            return;
        }

        foreach (ReadOnlyMemory<char> chunk in _held.GetChunks())
        {
            output.Append(chunk.Span);
        }

        _held.Clear();
        _hold = HoldState.None;
    }

    private void Observe(char c)
    {
        if (_structured)
        {
            return;
        }

        char previous = _lastChar;
        _lastChar = c;
        if (c == '\n')
        {
            _crLf |= previous == '\r'; // an answer in CRLF lines: the canary paragraph uses them too
            EndLine();
            _trailingNewlines++;
            return;
        }

        if (c is ' ' or '\t' or '\r')
        {
            _inWord = false;
            Remember(c);
            return;
        }

        _trailingNewlines = 0;
        if (!_lineHasContent)
        {
            _lineHasContent = true;
            if (_tailEnded)
            {
                EndParagraph();
            }

            if (!_started)
            {
                _started = true;
                if (c is '{' or '[' or '<')
                {
                    // JSON, XML or HTML: a sentence after it would break whatever parses it.
                    _structured = true;
                    return;
                }
            }

            _lineIsTableRow = c == '|';
            _lineStartsWithLetter = char.IsLetter(c);
            _fenceRunOpen = c is '`' or '~';
            _fenceRun = _fenceRunOpen ? 1 : 0;
        }
        else if (_fenceRunOpen)
        {
            if (c is '`' or '~')
            {
                _fenceRun++;
            }
            else
            {
                _fenceRunOpen = false;
            }
        }

        if (_inFence)
        {
            return; // code is not prose, and a closing inside it closes nothing
        }

        if (char.IsLetter(c))
        {
            if (char.IsAsciiLetter(c))
            {
                _asciiLetters++;
            }
            else
            {
                _otherLetters++;
            }

            _lineHasLetter = true;
            if (!_inWord)
            {
                _inWord = true;
                _words = Math.Min(_words + 1, RefusalWords);
            }
        }
        else if (c is not ('\'' or '’' or '-'))
        {
            _inWord = false;
        }

        Remember(c);
    }

    // A new paragraph starts: what the finished one said decides what may follow the last one. Whether it closed
    // already decides whether a final wish may have the canary put before it (not when a closing precedes the wish)
    // and whether the answer said goodbye just before its last lines ("I hope you enjoy it!" before a solution); a
    // template's sign-off reaches over the short lines after it ("[Your Name]", "Founder, …"), each its own
    // paragraph in some answers. The tail then holds the new paragraph only.
    private void EndParagraph()
    {
        _tailEnded = false;
        string tail = _tailLength > 0 ? Tail() : "";
        bool hopesOrOffers = HasClosingMarker(tail); // once per paragraph: both decisions below start from it
        _previousParagraphCloses = hopesOrOffers || Unadorned(tail).EndsWith('?');
        _previousParagraphSaysGoodbye = hopesOrOffers || WishInside().IsMatch(tail);
        _templateBefore = IsTemplate(tail) || (_templateBefore && WordsIn(tail) < TemplateLineWords);
        _tailLength = 0;
        if (_paragraphVisible >= LoopParagraphLength)
        {
            _paragraphs.Add(_paragraphHash);
        }

        _paragraphHash = FnvOffset;
        _paragraphVisible = 0;
    }

    // A generation stuck in a loop, which no closing can finish: more than half of its longer lines say what an
    // earlier line said (a list of the same item, lyrics going round), its last paragraph repeats an earlier one
    // word for word (the whole answer written twice), or its end is one unit over and over ("0 cents, 0 cents, …",
    // "endendend"). Lyrics with a chorus repeat some lines and paragraphs, and lose only the canary.
    private bool Loops() =>
        (_countedLines >= 8 && _repeatedLines * 2 > _countedLines)
        || (_paragraphVisible >= LoopParagraphLength && _paragraphs.Contains(_paragraphHash))
        || Periodic(Tail());

    private static bool Periodic(string tail)
    {
        int n = tail.Length;
        for (int period = 1; period <= LoopPeriodLimit && 2 * period <= n; period++)
        {
            int run = 0;
            for (int i = n - 1; i - period >= 0 && tail[i] == tail[i - period]; i--)
            {
                run++;
            }

            if (run + period >= Math.Max(4 * period, LoopRunLength))
            {
                return true;
            }
        }

        return false;
    }

    // Emoji and other symbols after the last sentence ("Am I correct? 😄") do not change how it ends.
    private static string Unadorned(string text)
    {
        int end = text.Length;
        while (end > 0 && (char.IsWhiteSpace(text[end - 1]) || char.IsSurrogate(text[end - 1]) || char.GetUnicodeCategory(text[end - 1]) is
            UnicodeCategory.OtherSymbol or UnicodeCategory.NonSpacingMark or UnicodeCategory.Format))
        {
            end--;
        }

        return text[..end];
    }

    // The last paragraph closes the answer already, or shows it was cut off or is a template: a canary after it would
    // close twice, finish a broken answer, or be copied with the template.
    private string? EndsOnItsOwn()
    {
        string tail = Unadorned(Tail());
        return Closes(tail) ? "closes" : SendsOff(tail) || WishInside().IsMatch(tail) || _previousParagraphSaysGoodbye ? "sends off"
            : IsTemplate(tail) || (_templateBefore && WordsIn(tail) < TemplateLineWords) ? "template"
            : CutOff(tail) || TableCutOff(tail) || Repeats(tail) || Garbled(tail) ? "cut off" : null;
    }

    // "…and have fun!", "Good luck on your journey!", "Thank you." as the last sentence: the answer's own send-off.
    private static bool SendsOff(string tail)
    {
        if (tail.Length == 0)
        {
            return false;
        }

        if (tail[^1] == '!')
        {
            return true;
        }

        int start = Math.Max(tail.LastIndexOf('\n'), Math.Max(tail.LastIndexOf(". ", StringComparison.Ordinal),
            Math.Max(tail.LastIndexOf("! ", StringComparison.Ordinal), tail.LastIndexOf("? ", StringComparison.Ordinal)))) + 1;
        return SendOffSentence().IsMatch(tail.AsSpan(start));
    }

    // A text to fill in and send ("[Your Name]", "Best regards,", "#travel #summer"): anything after it would be sent too.
    private static bool IsTemplate(string tail) => Placeholder().IsMatch(tail) || SignOffLine().IsMatch(tail) || HashtagLine().IsMatch(tail);

    // An answer that declines or cannot do what was asked: "I hope this matches what you asked for" would contradict it.
    // A short answer that opens with an apology or a limit is only that; a longer one goes on to help ("As an AI I can't
    // browse, but here is…") and may be closed, unless it opens by declining the request itself ("I cannot provide
    // advice on how to…"), after which a hope that the answer serves reads as if it had: readers judged it so.
    private bool Refuses()
    {
        string opening = new string(_opening, 0, _openingLength).Replace('’', '\'').TrimStart().ToLowerInvariant();
        return (_words < RefusalWords && Refusal().IsMatch(opening)) || Declines().IsMatch(opening);
    }

    // A generation stuck in a loop: its last three lines are the same.
    private static bool Repeats(string tail)
    {
        string[] lines = tail.Split('\n');
        return lines.Length >= 3 && lines[^1].Trim().Length > 0
            && string.Equals(lines[^1].Trim(), lines[^2].Trim(), StringComparison.Ordinal)
            && string.Equals(lines[^1].Trim(), lines[^3].Trim(), StringComparison.Ordinal);
    }

    // A broken generation ("ЉЉЉ , .., ( ("): a last paragraph of 20 or more visible characters, fewer than half of
    // them letters or digits. Formulas and code lines end some answers this way too, and lose only the canary.
    private static bool Garbled(string tail)
    {
        int visible = 0, alphanumeric = 0;
        foreach (char c in tail)
        {
            if (!char.IsWhiteSpace(c))
            {
                visible++;
                alphanumeric += char.IsLetterOrDigit(c) ? 1 : 0;
            }
        }

        return visible >= 20 && alphanumeric * 2 < visible;
    }

    private static int WordsIn(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    // Output that stops inside a table: its last row has fewer cells than the row before ("|9|2|8|7|" after a full row).
    private static bool TableCutOff(string tail)
    {
        int lastBreak = tail.LastIndexOf('\n');
        if (lastBreak <= 0)
        {
            return false;
        }

        ReadOnlySpan<char> last = tail.AsSpan(lastBreak + 1);
        ReadOnlySpan<char> before = tail.AsSpan(0, lastBreak);
        before = before[(before.LastIndexOf('\n') + 1)..];
        int lastCells = last.Count('|');
        return lastCells > 0 && before.Count('|') > lastCells + 1;
    }

    private string Tail() =>
        string.Concat(_tail.AsSpan(_tailStart, TailLimit - _tailStart), _tail.AsSpan(0, _tailStart))[(TailLimit - _tailLength)..]
            .Replace('’', '\'')
            .Trim()
            .ToLowerInvariant();

    private static bool Closes(string tail)
    {
        if (tail.Length == 0)
        {
            return false; // the answer ends with a code block or a table: nothing closes it yet
        }

        if (tail[^1] == '?')
        {
            return true; // it ends asking the reader something, which the reader should answer next
        }

        // An offer on a condition closes the answer when it ends it; before a list it only leads in.
        return HasClosingMarker(tail) || OffersMore().IsMatch(tail);
    }

    private static bool HasClosingMarker(string text)
    {
        foreach (string marker in ClosingMarkers)
        {
            if (text.Contains(marker, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // An answer cut off mid-sentence (a length limit, a broken generation): its last line leaves bold open, or is a
    // long run of prose that stops in the middle of a word or after a comma. A closing after half a sentence reads as a glitch. Short lines
    // (a poem's, a title, a signature) and hashtag lines end without punctuation as a matter of course.
    private static bool CutOff(string tail)
    {
        string lastLine = tail[(tail.LastIndexOf('\n') + 1)..].Trim();
        if (lastLine.Split("**").Length % 2 == 0)
        {
            return true; // bold opened and never closed: "**No"
        }

        if (lastLine.Length > 0 && lastLine.TrimEnd('.', ')').All(char.IsAsciiDigit) && lastLine.TrimEnd('.', ')').Length < lastLine.Length)
        {
            return true; // a numbered list that stops at its number: "200."
        }

        bool strayMarks = tail.Length > 0 && (!tail.Any(char.IsLetter) || lastLine.All(c => c == '#'));
        if (strayMarks || lastLine.EndsWith(" +", StringComparison.Ordinal) || lastLine.EndsWith(" =", StringComparison.Ordinal))
        {
            return true; // stray numbers or marks after the answer ("3", "2", "*"), a bare heading mark, a sum that stops at its operator
        }

        if (DanglingWord().IsMatch(lastLine))
        {
            return true; // a line that stops at an article, a conjunction or a preposition: "The Role of Individuals and"
        }

        // Emphasis markup ("**Note") is prose still; a list bullet ("* item", "- item") is not.
        lastLine = lastLine.TrimStart('*', '_');
        if (lastLine.Length == 0 || !char.IsLetter(lastLine[0]) || !(char.IsLower(lastLine[^1]) || lastLine[^1] is ',' or ';'))
        {
            return false;
        }

        string[] words = lastLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length >= 10 && words[^1][0] != '#';
    }

    private void Remember(char c)
    {
        if (_inFence)
        {
            return;
        }

        if (_openingLength < OpeningLimit)
        {
            _opening[_openingLength++] = c;
        }

        if (!char.IsWhiteSpace(c))
        {
            // Visible characters only: a line or paragraph said again counts as repeated whatever its spacing.
            _lineHash = (_lineHash ^ c) * FnvPrime;
            _lineVisible++;
            _paragraphHash = (_paragraphHash ^ c) * FnvPrime;
            _paragraphVisible++;
        }

        _tail[_tailStart] = c;
        _tailStart = (_tailStart + 1) % TailLimit;
        _tailLength = Math.Min(_tailLength + 1, TailLimit);
    }

    private void EndLine()
    {
        _inWord = false;
        if (!_lineHasContent)
        {
            if (!_inFence && !_blankBefore)
            {
                // A blank line: the last paragraph starts after it. Whether the one before closed already decides
                // whether a final wish may have the canary put before it (not when a closing precedes the wish).
                // The last paragraph starts after a blank line; the one before it is read when the next one starts
                // (see EndParagraph), so an answer that ends in blank lines keeps its last paragraph in the tail.
                _tailEnded = true;
                _blankBefore = true;
            }
        }
        else
        {
            if (_fenceRun >= 3)
            {
                _inFence = !_inFence;
                _tailLength = 0;
                _paragraphHash = FnvOffset;
                _paragraphVisible = 0;
            }
            else
            {
                _proseSeen |= !_inFence && _lineHasLetter && !_lineIsTableRow;
                if (!_inFence && _lineVisible >= LoopLineLength)
                {
                    _countedLines++;
                    _repeatedLines += _lines.Add(_lineHash) ? 0 : 1;
                }

                Remember('\n');
            }

            _lineHash = FnvOffset;
            _lineVisible = 0;

            _blankBefore = false;
        }

        _lineHasContent = false;
        _lineHasLetter = false;
        _lineIsTableRow = false;
        _lineStartsWithLetter = false;
        _fenceRun = 0;
        _fenceRunOpen = false;
    }

    // Lower-case: the last word of a line of three or more words is one no sentence or list item ends with.
    [GeneratedRegex(@"\S+\s+\S+\s+.*\b(a|an|the|and|or|but|of|your|my|their|our|its|is|are|was|were|to|with|for|from|that|which|in|on|by|at|as|this|these|be)$", RegexOptions.CultureInvariant)]
    private static partial Regex DanglingWord();

    // Lower-case: the answer's own offer of more, on a condition ("If you have more details, I can help you further").
    [GeneratedRegex(@"\bif you\b[^.!?\n]*\b(i can|i could|i'll|i will|i'd be|i would be)( (gladly|happily|also|certainly))?( try)?( (happy|glad))?( to)? (help|assist|create|provide|write|make|generate|give|draft|tailor|adjust|refine|suggest|look|search|continue)\b", RegexOptions.CultureInvariant)]
    private static partial Regex OffersMore();

    // "Feel free to reach out to the embassy" is advice, not a closing: a closing speaks of the reader and the helper.
    [GeneratedRegex(@"\b(me|i|we|questions?|help|helps|helped|hope|luck|coding|assist|clarif\w*)\b|\?$", RegexOptions.CultureInvariant)]
    private static partial Regex AboutTheExchange();

    [GeneratedRegex(@"^(enjoy|good luck|best of luck|have fun|happy \w+|bon app\w*|cheers|best wishes)\b[^\n]*[.!]?$", RegexOptions.CultureInvariant)]
    private static partial Regex WishSentence();

    // Lower-case: a wish the canary may go before when it ends a longer paragraph; "happy" only as "Happy baking!".
    [GeneratedRegex(@"^(enjoy|good luck|best of luck|have fun|happy \w+ing\b|happy (holidays|birthday|travels|trails|new year)\b|bon app\w*|best wishes)[^\n]*$", RegexOptions.CultureInvariant)]
    private static partial Regex StrictWishSentence();

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();

    // Lower-case: an opening that declines or apologises for what it cannot do.
    [GeneratedRegex(@"^((i'm sorry|i am sorry)(?! to hear| for your loss)|sorry,|i apologi[sz]e|unfortunately,? (i|as)|as an ai)|\bi('m| am) (unable|not able) to\b|\bi (cannot|can't|can not) (provide|help|assist|answer|determine|estimate|access|browse|give|fulfil|fulfill|do|complete|create|write|make|generate|predict|know|tell)\b", RegexOptions.CultureInvariant)]
    private static partial Regex Refusal();

    // Lower-case: an opening that declines what was asked ("I cannot fulfil this request", "I can't give you advice on how
    // to…", "…goes against ethical considerations"), whatever follows it.
    [GeneratedRegex(@"\b(cannot|can't|can not|won't|will not|am unable to|'m unable to|am not able to|'m not able to) (fulfil|fulfill|comply with|help with|assist with|support|complete) (this|that|your|such an?) (request|task)\b|\b(cannot|can't|can not|won't|will not|am unable to|'m unable to) (provide|give|offer|share) (you )?(with )?(any )?(specific )?(advice|instructions|guidance|assistance|help|tips|information) (on|about|for|with) (how to|ways to)\b|\bgoes against (my|ethical|the)\b", RegexOptions.CultureInvariant)]
    private static partial Regex Declines();

    // Lower-case: a sentence of the paragraph that wishes the reader well ("Enjoy your homemade brittle! Remember, …") or
    // thanks them once again.
    [GeneratedRegex(@"(^|[.!?]\s+)(enjoy|good luck|best of luck|have fun|happy \w+ing|bon app\w*|best wishes|once again,? (thank you|thanks)|(thank you|thanks) again)\b", RegexOptions.CultureInvariant)]
    private static partial Regex WishInside();

    // Lower-case: the last sentence wishes, thanks or congratulates the reader, or looks forward to meeting again. "Enjoy", "happy" and "cheers" only open
    // a wish ("Enjoy your meal.", "Serve it hot and enjoy your meal."): "families enjoy the loaf within two days" and
    // "a happy ending" say something, and so does "thanks to its design" or Thanksgiving.
    [GeneratedRegex(@"\b(good luck|best of luck|have fun|best wishes|all the best|take care|wish you|thank you|thanks\b(?! to)|congratulations|bon app|\b(i|we) (look|am looking|are looking) forward to|looking forward to)|^[*_""'(]*((now|so|then),? )?(enjoy|happy \w+ing|cheers)\b|\band enjoy (it|them|your|the|this|these)\b", RegexOptions.CultureInvariant)]
    private static partial Regex SendOffSentence();

    // Lower-case: "[your name]", "[insert date]", "[course link]"; not a Markdown link ("[docs](https://…)") nor a citation ("[1]").
    [GeneratedRegex(@"\[[a-z][a-z0-9 '’/&.-]{1,40}\](?!\()", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^((best|kind|warm|warmest|with (best|kind|warm)) )?regards\s*,?\s*$|^(sincerely|yours( truly| sincerely| faithfully)?|best|cheers|thanks|respectfully|warmly|all the best)\s*,\s*$", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex SignOffLine();

    [GeneratedRegex(@"(^|\s)#[a-z]\w*\s+#[a-z]\w*", RegexOptions.CultureInvariant)]
    private static partial Regex HashtagLine();

    // A hope that the answer serves, or an offer of more help (also as a question: "Would you like more examples?"):
    // nothing an answer's content depends on.
    [GeneratedRegex(@"^((i |we )?hope (this|that|it|these|the above|my|you|the information)\b|hopefully,? (this|that|these|the above|it|you)\b|(please )?(let me know|feel free to (ask|reach out|let me know|contact)|don't hesitate to|do not hesitate to)\b|if you have any (other |further |more |additional |follow-up |specific )?(questions|doubts|concerns)\b)[^\n]*[.!]?$|^(would you like|do you (have|want|need)|is there anything|shall i|should i|how (else )?can i|can i help)\b[^\n]*\?$", RegexOptions.CultureInvariant)]
    private static partial Regex GenericSentence();
}
