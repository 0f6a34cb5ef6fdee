using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Ports;
using CanaryService.Core.Text;

namespace CanaryService.Core.Detection;

/// <summary>
/// Turns a competitor's answers into the distinct lexical contexts that are scored: each (context, group) once, at
/// its first occurrence, and never one that occurs in a probe prompt sent so far (the model could have copied it).
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
    /// The scored contexts of a history, in order. A context found in a prompt is dropped from the run that sent the
    /// prompt on; one already counted in an earlier run stays (a later prompt cannot have shaped an earlier answer),
    /// so the contexts of a longer history always extend those of a shorter one and the e-value is one process.
    /// </summary>
    /// <param name="history">The competitor's transcripts, oldest first.</param>
    public IReadOnlyList<LexicalContext> Collect(IReadOnlyList<Transcript> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var collector = new Collector(Scan);
        foreach (Transcript transcript in history)
        {
            foreach (ProbeExchange exchange in transcript.Exchanges)
            {
                collector.ExcludePrompt(exchange.Prompt);
            }

            foreach (ProbeExchange exchange in transcript.Exchanges)
            {
                collector.AddAnswer(exchange.Answer);
            }
        }

        return collector.Contexts;
    }

    /// <summary>The scored contexts of one batch of answers to <paramref name="prompts"/>.</summary>
    public IReadOnlyList<LexicalContext> Collect(IEnumerable<string> answers, IEnumerable<string> prompts)
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
            collector.AddAnswer(answer);
        }

        return collector.Contexts;
    }

    /// <summary>Collects and scores one batch of answers with <paramref name="key"/> on the groups of <paramref name="layer"/>.</summary>
    public DetectionTestResult Score(IEnumerable<string> answers, IEnumerable<string> prompts, LexicalKey key, LexicalLayer layer) =>
        LexicalScorer.Score(Collect(answers, prompts), key, layer);

    private sealed class Collector(Func<string, IReadOnlyList<LexicalContext>> scan)
    {
        private readonly HashSet<(string Context, int GroupId)> _excluded = [];
        private readonly HashSet<(string Context, int GroupId)> _seen = [];

        public List<LexicalContext> Contexts { get; } = [];

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

        public void AddAnswer(string? answer)
        {
            if (string.IsNullOrEmpty(answer))
            {
                return;
            }

            foreach (LexicalContext context in scan(answer))
            {
                var pair = (context.Context, context.GroupId);
                if (!_excluded.Contains(pair) && _seen.Add(pair))
                {
                    Contexts.Add(context);
                }
            }
        }
    }
}
