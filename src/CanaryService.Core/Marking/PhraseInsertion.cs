namespace CanaryService.Core.Marking;

/// <summary>
/// Decides, character by character from what has already been seen, where the canary sentence goes: as its own
/// paragraph before the first paragraph that starts with a letter at column 0 and follows a blank line after a
/// prose paragraph ending in sentence punctuation, outside code fences, never in a JSON response. Because the
/// decision never looks ahead, whole-text and streaming output are identical.
/// </summary>
internal sealed class PhraseInsertion
{
    private readonly string _paragraph;
    private bool _done;
    private bool _json;
    private bool _started;
    private bool _inFence;
    private bool _previousParagraphIsProse;
    private bool _blankSeen;
    private bool _lineHasContent;
    private bool _lineIndented;
    private bool _lineStartsWithLetter;
    private int _fenceRun;
    private bool _fenceRunOpen;
    private char _lastNonSpace;

    public PhraseInsertion(string sentence) => _paragraph = sentence + "\n\n";

    /// <summary>True once the sentence has been inserted.</summary>
    public bool Inserted => _done && !_json;

    /// <summary>Copies <paramref name="text"/> to <paramref name="output"/>, inserting the sentence where it belongs.</summary>
    public void Process(ReadOnlySpan<char> text, ref MarkedOutput output)
    {
        if (_done)
        {
            output.Append(text);
            return;
        }

        int copied = 0;
        for (int i = 0; i < text.Length && !_done; i++)
        {
            char c = text[i];
            if (c == '\n')
            {
                EndLine();
                continue;
            }

            if (c is ' ' or '\t' or '\r')
            {
                if (!_lineHasContent)
                {
                    _lineIndented |= c != '\r';
                }

                continue;
            }

            if (!_lineHasContent)
            {
                _lineHasContent = true;
                if (!_started)
                {
                    _started = true;
                    if (c is '{' or '[')
                    {
                        _json = true;
                        _done = true;
                        break;
                    }
                }

                _lineStartsWithLetter = !_lineIndented && char.IsAsciiLetter(c);
                if (_lineStartsWithLetter && _blankSeen && _previousParagraphIsProse && !_inFence)
                {
                    output.Append(text[copied..i]);
                    output.Append(_paragraph);
                    output.MarkChanged();
                    copied = i;
                    _done = true;
                    break;
                }

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

            _lastNonSpace = c;
        }

        output.Append(text[copied..]);
    }

    private void EndLine()
    {
        if (!_lineHasContent)
        {
            _blankSeen = true;
        }
        else
        {
            if (_fenceRun >= 3)
            {
                _inFence = !_inFence;
                _previousParagraphIsProse = false;
            }
            else
            {
                _previousParagraphIsProse = !_inFence && _lineStartsWithLetter && _lastNonSpace is '.' or '!' or '?';
            }

            _blankSeen = false;
        }

        _lineHasContent = false;
        _lineIndented = false;
        _lineStartsWithLetter = false;
        _fenceRun = 0;
        _fenceRunOpen = false;
    }
}
