using CanaryService.Core.Lexicon;

namespace CanaryService.Core.Tests.Lexicon;

/// <summary>A copy of what the scanner yielded (the ref struct itself cannot be stored).</summary>
internal sealed record ScannedOccurrence(string Word, string Context, int Start, int GroupId, int FormIndex)
{
    public static List<ScannedOccurrence> ScanWhole(string text, CanaryLexicon? lexicon = null)
    {
        var list = new List<ScannedOccurrence>();
        var scanner = new LexiconScanner(lexicon ?? RuleLexicon.Instance, text);
        while (scanner.MoveNext())
        {
            var o = scanner.Current;
            list.Add(new(text.Substring(o.Start, o.Length), o.Context.ToString(), o.Start, o.Group.Id, o.FormIndex));
        }

        return list;
    }

    /// <summary>Feeds the text in pieces, the way a stream does, resuming from the saved state each time.</summary>
    public static List<ScannedOccurrence> ScanInChunks(string text, IEnumerable<int> cuts, CanaryLexicon? lexicon = null)
    {
        var list = new List<ScannedOccurrence>();
        var state = ScannerState.Initial;
        int offset = 0; // absolute position of pending[0]
        string pending = "";
        int previous = 0;
        foreach (int cut in cuts.Append(text.Length))
        {
            pending += text[previous..cut];
            previous = cut;
            bool final = cut == text.Length;
            var scanner = new LexiconScanner(lexicon ?? RuleLexicon.Instance, pending, state, final);
            while (scanner.MoveNext())
            {
                var o = scanner.Current;
                list.Add(new(pending.Substring(o.Start, o.Length), o.Context.ToString(), offset + o.Start, o.Group.Id, o.FormIndex));
            }

            state = scanner.State;
            if (final)
            {
                Assert.Equal(pending.Length, scanner.Consumed);
            }

            offset += scanner.Consumed;
            pending = pending[scanner.Consumed..];
        }

        return list;
    }
}
