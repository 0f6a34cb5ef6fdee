using CanaryService.Core.Keys;
using CanaryService.Core.Ports;

namespace CanaryService.Core.Detection;

/// <summary>
/// Turns a competitor's answers into the distinct lexical contexts that are scored: each (context, group) once, at
/// its first occurrence, and never one that occurs in a probe prompt sent so far (the model could have copied it).
/// </summary>
public sealed class LexicalDetector
{
    private readonly Func<string, IEnumerable<LexicalContext>> _scan;

    internal LexicalDetector(Func<string, IEnumerable<LexicalContext>> scan) => _scan = scan;

    /// <summary>
    /// The scored contexts of a history, in order. A context found in a prompt is dropped from the run that sent the
    /// prompt on; one already counted in an earlier run stays (a later prompt cannot have shaped an earlier answer),
    /// so the contexts of a longer history always extend those of a shorter one and the e-value is one process.
    /// </summary>
    /// <param name="history">The competitor's transcripts, oldest first.</param>
    public IReadOnlyList<LexicalContext> Collect(IReadOnlyList<Transcript> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var collector = new Collector(_scan);
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
        var collector = new Collector(_scan);
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

    private sealed class Collector(Func<string, IEnumerable<LexicalContext>> scan)
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
