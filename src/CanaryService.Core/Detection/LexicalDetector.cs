using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Probing;

namespace CanaryService.Core.Detection;

/// <summary>
/// Turns a competitor's answers into the tallies that are scored: for each (context, group), how often each form was
/// written after it, counting no occurrence from the run on that a probe prompt holding the pair was sent (the model
/// could have copied it).
/// </summary>
public sealed class LexicalDetector
{
    private readonly CanaryLexicon _lexicon;
    private readonly LexiconLayers _layers;

    /// <summary>Creates the detector over the lexicon and its secret split into global and account groups.</summary>
    public LexicalDetector(CanaryLexicon lexicon, LexiconLayers layers)
    {
        ArgumentNullException.ThrowIfNull(lexicon);
        ArgumentNullException.ThrowIfNull(layers);
        _lexicon = lexicon;
        _layers = layers;
    }

    /// <summary>Every eligible lexicon occurrence of <paramref name="text"/>, as the marker's shared scanner sees it, in order.</summary>
    public IReadOnlyList<LexicalContext> Scan(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var contexts = new List<LexicalContext>();
        var scanner = new LexiconScanner(_lexicon, text);
        while (scanner.MoveNext())
        {
            LexiconOccurrence occurrence = scanner.Current;
            if (occurrence.IsForced)
            {
                continue; // a list's later bullet, or one the structure fixes: no keyed choice
            }

            LexiconGroup group = occurrence.Group;
            contexts.Add(new LexicalContext(
                occurrence.Context.ToString(),
                group.Id,
                group.Forms.Length,
                occurrence.FormIndex,
                _layers.IsGlobal(group.Index) ? LexicalLayer.Global : LexicalLayer.Account));
        }

        return contexts;
    }

    /// <summary>
    /// The tallies of a history, in the order of their first counted occurrence. A pair found in a prompt is no
    /// longer counted from the run that sent the prompt on; occurrences already counted in earlier runs stay (a later
    /// prompt cannot have shaped an earlier answer). So the tallies of a longer history extend those of a shorter one
    /// with the same first-run counts, on which the e-value settles each pair: the e-value is one process.
    /// </summary>
    /// <param name="history">The competitor's transcripts, oldest first; each is one run.</param>
    public IReadOnlyList<LexicalTally> Collect(IReadOnlyList<Transcript> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var collector = new Collector(Scan);
        for (int run = 0; run < history.Count; run++)
        {
            foreach (ProbeExchange exchange in history[run].Exchanges)
            {
                collector.ExcludePrompt(exchange.Prompt);
            }

            foreach (ProbeExchange exchange in history[run].Exchanges)
            {
                collector.AddAnswer(exchange.Answer, run);
            }
        }

        return collector.Tallies;
    }

    /// <summary>The tallies of one batch (one run) of answers to <paramref name="prompts"/>.</summary>
    public IReadOnlyList<LexicalTally> Collect(IEnumerable<string> answers, IEnumerable<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(prompts);
        var collector = new Collector(Scan);
        foreach (string prompt in prompts)
        {
            collector.ExcludePrompt(prompt);
        }

        foreach (string answer in answers)
        {
            collector.AddAnswer(answer, 0);
        }

        return collector.Tallies;
    }

    /// <summary>Collects and scores one batch of answers with <paramref name="key"/> on the groups of <paramref name="layer"/>.</summary>
    public DetectionTestResult Score(IEnumerable<string> answers, IEnumerable<string> prompts, LexicalKey key, LexicalLayer layer) =>
        LexicalScorer.Score(Collect(answers, prompts), key, layer);

    private sealed class Collector(Func<string, IReadOnlyList<LexicalContext>> scan)
    {
        private readonly HashSet<(string Context, int GroupId)> _excluded = [];
        private readonly Dictionary<(string Context, int GroupId), LexicalTally> _seen = [];

        public List<LexicalTally> Tallies { get; } = [];

        public void ExcludePrompt(string? prompt)
        {
            if (string.IsNullOrEmpty(prompt))
            {
                return;
            }

            foreach (LexicalContext context in scan(prompt))
            {
                _excluded.Add((context.Context, context.GroupId));
            }
        }

        public void AddAnswer(string? answer, int run)
        {
            if (string.IsNullOrEmpty(answer))
            {
                return;
            }

            foreach (LexicalContext context in scan(answer))
            {
                var pair = (context.Context, context.GroupId);
                if (_excluded.Contains(pair))
                {
                    continue;
                }

                if (!_seen.TryGetValue(pair, out LexicalTally? tally))
                {
                    tally = new LexicalTally(context.Context, context.GroupId, context.GroupSize, context.Layer, run);
                    _seen.Add(pair, tally);
                    Tallies.Add(tally);
                }

                tally.Add(context.ObservedIndex, run);
            }
        }
    }
}
