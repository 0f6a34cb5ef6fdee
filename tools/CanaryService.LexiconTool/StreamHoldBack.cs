using CanaryService.Core.Marking;

namespace CanaryService.LexiconTool;

/// <summary>
/// What the stream's hold-back costs a reader: every answer of every model streamed through the marker in 20-character
/// deltas, counting the words already received but not yet passed on after each delta. The echo window makes the
/// largest holds (an eligible word waits for the window ahead); the rest are a partial word or a line's first tokens.
/// </summary>
internal static class StreamHoldBack
{
    private const int DeltaLength = 20;

    public static void Run(string corpus)
    {
        var maxHeld = new List<int>();      // per answer: the most words held back at once
        var firstOut = new List<int>();     // per answer: words received before the first character went out
        long answersWithLongHold = 0;
        var longest = new List<(int Held, string Model, int Line)>();
        int index = 0;
        foreach (var answer in RealCorpus.Read(corpus, _ => true))
        {
            var stream = new StreamingTextMarker(Changes.Marker(index++));
            string text = answer.Output;
            int most = 0, first = -1;
            for (int at = 0; at < text.Length; at += DeltaLength)
            {
                string received = text[..Math.Min(text.Length, at + DeltaLength)];
                string sent = stream.Append(text.Substring(at, Math.Min(DeltaLength, text.Length - at)));
                int held = RealCorpus.CountWords(received[^stream.HeldBack..]);
                most = Math.Max(most, held);
                if (first < 0 && sent.Length > 0)
                {
                    first = RealCorpus.CountWords(received);
                }
            }

            stream.Complete();
            maxHeld.Add(most);
            longest.Add((most, answer.Model, answer.Line));
            firstOut.Add(first < 0 ? RealCorpus.CountWords(text) : first);
            answersWithLongHold += most > 20 ? 1 : 0;
        }

        maxHeld.Sort();
        firstOut.Sort();
        int Q(List<int> sorted, double q) => sorted[(int)Math.Min(sorted.Count - 1, q * sorted.Count)];
        Console.WriteLine($"{maxHeld.Count} answers streamed in {DeltaLength}-character deltas");
        Console.WriteLine($"most words held back at once, per answer: median {Q(maxHeld, 0.5)}, p90 {Q(maxHeld, 0.9)}, p99 {Q(maxHeld, 0.99)}, max {maxHeld[^1]}");
        Console.WriteLine($"answers held back by more than 20 words at some point: {answersWithLongHold} ({100.0 * answersWithLongHold / maxHeld.Count:F1} %)");
        Console.WriteLine("longest holds: " + string.Join(", ", longest.OrderByDescending(l => l.Held).Take(5).Select(l => $"{l.Model} line {l.Line}: {l.Held} words")));
        Console.WriteLine($"words received before the first character goes out: median {Q(firstOut, 0.5)}, p90 {Q(firstOut, 0.9)}, p99 {Q(firstOut, 0.99)}");
    }
}
