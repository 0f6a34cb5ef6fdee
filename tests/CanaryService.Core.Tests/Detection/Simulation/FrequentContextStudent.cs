using CanaryService.Core.Detection;
using CanaryService.Core.Keys;

namespace CanaryService.Core.Tests.Detection.Simulation;

/// <summary>
/// A distilled student as the scanner sees it: a stream of lexicon occurrences per answer. Its (context, group) pairs
/// follow a long tail (pair j with probability ∝ 1/j over 200,000 pairs, so new ones keep turning up). In its
/// <c>copiedPairs</c> most frequent pairs (sentence starts, the commonest words: where it saw the teacher's marked
/// answers often enough to learn them) it writes the keyed form with probability <c>copyRate</c> and otherwise its own
/// habit; everywhere else it writes by habit alone, at chance with respect to the key.
/// </summary>
internal sealed class FrequentContextStudent(LexicalKey key, double copyRate, int copiedPairs, int seed)
{
    private const int Pairs = 200_000;
    private readonly Random _random = new(seed);

    /// <summary>Lexicon occurrences per answer (about one in twelve words of a 200-word answer).</summary>
    public int OccurrencesPerAnswer { get; init; } = 16;

    /// <summary>The occurrences of the next <paramref name="answers"/> answers, as the detector's scan would give them.</summary>
    public IEnumerable<LexicalContext> Answers(int answers)
    {
        for (int i = 0; i < answers * OccurrencesPerAnswer; i++)
        {
            int j = (int)Math.Exp(_random.NextDouble() * Math.Log(Pairs));   // ∝ 1/j
            string context = j % 5 == 0 ? "^" : "w" + (j / 5);
            int group = j, size = 2 + (j % 3);
            int form = j < copiedPairs && _random.NextDouble() < copyRate ? key.PreferredIndex(context, group, size) : Habit(group, size);
            yield return new LexicalContext(context, group, size, form, LexicalLayer.Global);
        }
    }

    // The student's own habit: its favourite form of the group seven times out of ten, otherwise any.
    private int Habit(int group, int size) => _random.NextDouble() < 0.7 ? group % size : _random.Next(size);

    /// <summary>
    /// Tallies occurrences run by run, as <see cref="LexicalDetector"/> does, and notes the form of each pair's first
    /// occurrence (what the first-occurrence statistic scored).
    /// </summary>
    public static (List<LexicalTally> Tallies, Dictionary<(string, int), int> FirstForms) Tally(IEnumerable<IEnumerable<LexicalContext>> runs)
    {
        var tallies = new Dictionary<(string, int), LexicalTally>();
        var firstForms = new Dictionary<(string, int), int>();
        var order = new List<LexicalTally>();
        int run = 0;
        foreach (IEnumerable<LexicalContext> occurrences in runs)
        {
            foreach (LexicalContext o in occurrences)
            {
                if (!tallies.TryGetValue((o.Context, o.GroupId), out LexicalTally? tally))
                {
                    tally = new LexicalTally(o.Context, o.GroupId, o.GroupSize, o.Layer, run);
                    tallies.Add((o.Context, o.GroupId), tally);
                    firstForms.Add((o.Context, o.GroupId), o.ObservedIndex);
                    order.Add(tally);
                }

                tally.Add(o.ObservedIndex, run);
            }

            run++;
        }

        return (order, firstForms);
    }
}
