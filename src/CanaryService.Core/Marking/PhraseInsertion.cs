using System.Text;
using CanaryService.Core.Phrases;

namespace CanaryService.Core.Marking;

/// <summary>
/// Decides whether the canary sentence closes an answer: it is appended as the answer's last paragraph when the
/// answer ends, unless the answer is structured (JSON, XML or HTML, code only, a bare value of one or two words),
/// ends inside a code block, or already closes (its last paragraph asks the reader something or holds a closing
/// such as "I hope this helps" or "let me know"). The answer itself is never changed, only observed, and the
/// decision needs nothing after the last character, so whole-text and streaming output are identical.
/// </summary>
/// <remarks>
/// The end is the one place every prose answer offers: a sentence before a list, inside a paragraph or after an
/// opening line that ends in a colon would break what the answer is doing, while a closing hope and offer of help
/// reads naturally after an explanation, a list, code, a poem or a one-line fact. An answer that already closes gets
/// none, since a second closing reads as padding; this also makes marking idempotent, because an answer that
/// carries a canary ends with one.
/// </remarks>
internal sealed class PhraseInsertion
{
    /// <summary>How much of the last paragraph is kept to look for a closing (its last characters).</summary>
    internal const int TailLimit = 512;

    /// <summary>Fewer words than this outside code make a bare value (a label, a number, a name), not prose.</summary>
    internal const int MinimumWords = 3;

    // Lower-case fragments that mark a paragraph as a closing already (see the remarks). "hope" also covers every
    // canary sentence, each of which starts with "I hope" or "Hopefully".
    private static readonly string[] ClosingMarkers =
    [
        "hope", "let me know", "feel free", "hesitate", "happy to help", "glad to help", "questions", "good luck",
        "best of luck", "enjoy", "have fun", "happy coding", "cheers",
    ];

    private readonly string _sentence;
    private readonly char[] _tail = new char[TailLimit];
    private int _tailStart;
    private int _tailLength;
    private bool _started;
    private bool _structured;
    private bool _finished;
    private bool _inFence;
    private bool _proseSeen;
    private int _words;
    private bool _inWord;
    private bool _lineHasContent;
    private bool _lineHasLetter;
    private bool _lineIsTableRow;
    private int _fenceRun;
    private bool _fenceRunOpen;
    private bool _crLf;
    private int _trailingNewlines;
    private char _lastChar;

    public PhraseInsertion(string sentence) => _sentence = sentence;

    /// <summary>True once the sentence has been appended.</summary>
    public bool Inserted { get; private set; }

    /// <summary>Reads the next part of the (already marked) answer, which goes out unchanged.</summary>
    public void Observe(ReadOnlySpan<char> text)
    {
        if (_finished || _structured)
        {
            return;
        }

        foreach (char c in text)
        {
            char previous = _lastChar;
            _lastChar = c;
            if (c == '\n')
            {
                _crLf |= previous == '\r'; // answer in CRLF lines: the canary paragraph uses them too
                EndLine();
                _trailingNewlines++;
                continue;
            }

            if (c is ' ' or '\t' or '\r')
            {
                _inWord = false;
                Remember(c);
                continue;
            }

            _trailingNewlines = 0;
            if (!_lineHasContent)
            {
                _lineHasContent = true;
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
                continue; // code is not prose, and a closing inside it closes nothing
            }

            if (char.IsLetter(c))
            {
                _lineHasLetter = true;
                if (!_inWord)
                {
                    _inWord = true;
                    _words = Math.Min(_words + 1, MinimumWords);
                }
            }
            else if (c is not ('\'' or '’' or '-'))
            {
                _inWord = false;
            }

            Remember(c);
        }
    }

    /// <summary>Called once the answer has ended: the text to append after it (the canary paragraph), or null.</summary>
    public string? Finish()
    {
        if (_finished)
        {
            return null;
        }

        if (_lineHasContent)
        {
            EndLine(); // the last line, without a newline after it
        }

        _finished = true;
        if (_structured || _inFence || !_proseSeen || _words < MinimumWords || AlreadyCloses())
        {
            return null;
        }

        string newline = _crLf ? "\r\n" : "\n";
        var paragraph = new StringBuilder(_sentence.Length + 8);
        if (_lastChar != '\n')
        {
            paragraph.Append(newline).Append(newline);
        }
        else if (_trailingNewlines == 1)
        {
            paragraph.Append(newline);
        }

        paragraph.Append(_sentence);
        if (_lastChar == '\n')
        {
            paragraph.Append(newline); // the answer ended with a line break: so does the marked one
        }

        Inserted = true;
        return paragraph.ToString();
    }

    private bool AlreadyCloses()
    {
        string tail = string.Concat(_tail.AsSpan(_tailStart, TailLimit - _tailStart), _tail.AsSpan(0, _tailStart))[(TailLimit - _tailLength)..]
            .Replace('’', '\'')
            .Trim()
            .ToLowerInvariant();
        if (tail.Length == 0)
        {
            return false; // the answer ends with a code block or a table: nothing closes it yet
        }

        if (tail[^1] == '?')
        {
            return true; // it ends asking the reader something, which the reader should answer next
        }

        foreach (string marker in ClosingMarkers)
        {
            if (tail.Contains(marker, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private void Remember(char c)
    {
        if (_inFence)
        {
            return;
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
            if (!_inFence)
            {
                _tailLength = 0; // a blank line: the last paragraph starts after it
            }
        }
        else if (_fenceRun >= 3)
        {
            _inFence = !_inFence;
            _tailLength = 0;
        }
        else
        {
            _proseSeen |= !_inFence && _lineHasLetter && !_lineIsTableRow;
            Remember('\n');
        }

        _lineHasContent = false;
        _lineHasLetter = false;
        _lineIsTableRow = false;
        _fenceRun = 0;
        _fenceRunOpen = false;
    }
}
