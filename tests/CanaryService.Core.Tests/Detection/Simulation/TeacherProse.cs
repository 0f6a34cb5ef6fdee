using System.Text;
using CanaryService.Core.Lexicon;

namespace CanaryService.Core.Tests.Detection.Simulation;

/// <summary>
/// Synthetic LLM-style answers for the detection simulations: sentences over a filler vocabulary with lexicon
/// words mixed in (sentence-start connectives with their comma, adverbs and adjectives mid-sentence), paragraphs
/// and now and then a code span. Deterministic for a seed. <see cref="FormChoice"/> decides which form of a group
/// the writer uses: its own random habits, or one form always (a writer with strong preferences of its own).
/// Lexicon words are denser than in real answers (about one per hundred words against one per two thousand), so that
/// simulations stay small, yet sparse enough that most occurrences lie outside each other's echo window.
/// </summary>
public static class TeacherProse
{
    public enum FormChoice
    {
        /// <summary>Each occurrence picks a form at random.</summary>
        Random,

        /// <summary>Always the first form of every group.</summary>
        AlwaysFirst,
    }

    private static readonly string[] Filler =
    [
        "the", "service", "build", "request", "cache", "it", "this", "that", "we", "you", "data", "model", "team", "code",
        "is", "are", "was", "runs", "uses", "helps", "keeps", "makes", "needs", "returns", "stores", "checks", "sends",
        "and", "but", "so", "with", "for", "from", "into", "over", "under", "after", "before", "when", "while", "each",
        "query", "index", "table", "queue", "worker", "client", "server", "token", "value", "result", "error", "user",
        "file", "page", "test", "step", "plan", "change", "update", "config", "setting", "option", "record", "batch",
        "network", "system", "process", "thread", "task", "job", "event", "message", "stream", "buffer", "layer",
        "our", "their", "its", "some", "all", "both", "other", "new", "old", "next", "last", "same", "own", "whole",
        "can", "will", "should", "must", "may", "could", "would", "does", "did", "has", "had", "have", "get", "set",
        "then", "there", "here", "now", "again", "also", "still", "just", "only", "even", "not", "no", "yes", "more",
        "deploy", "retry", "parse", "render", "compile", "measure", "compare", "review", "explain", "handle", "load",
        "api", "schema", "field", "column", "row", "key", "hash", "score", "limit", "budget", "timer", "probe", "log",
    ];

    private const double StarterShare = 0.06;  // sentences that open with a connective
    private const double MiddleShare = 0.01;   // mid-sentence words drawn from the lexicon

    /// <summary>Answers holding at least <paramref name="words"/> words in total.</summary>
    public static IReadOnlyList<string> Answers(CanaryLexicon lexicon, int words, int seed, FormChoice choice = FormChoice.Random, int fillerWords = 0)
    {
        var random = new Random(seed);
        string[] filler = Filler.Where(w => !lexicon.Contains(w)).ToArray();
        if (fillerWords > 0)
        {
            filler = filler[..Math.Min(fillerWords, filler.Length)];
        }

        var starters = lexicon.Groups.Where(g => g.OnlyAfter?.Contains("^") == true).ToArray();
        var middles = lexicon.Groups.Where(g => g.OnlyAfter is null && !g.RequiresComma && !g.IsMarkup).ToArray();
        string Form(LexiconGroup group) => group.Forms[choice == FormChoice.AlwaysFirst ? 0 : random.Next(group.Forms.Length)];

        var answers = new List<string>();
        int written = 0;
        while (written < words)
        {
            var answer = new StringBuilder();
            int paragraphs = random.Next(2, 5);
            for (int p = 0; p < paragraphs; p++)
            {
                if (p > 0)
                {
                    answer.Append("\n\n");
                }

                int sentences = random.Next(3, 7);
                for (int s = 0; s < sentences; s++)
                {
                    var sentence = new List<string>();
                    if (random.NextDouble() < StarterShare)
                    {
                        LexiconGroup starter = starters[random.Next(starters.Length)];
                        sentence.Add(Form(starter) + (starter.RequiresComma || starter.OnlyBefore?.Contains(",") == true ? "," : string.Empty));
                    }

                    int length = random.Next(7, 16);
                    for (int w = 0; w < length; w++)
                    {
                        sentence.Add(random.NextDouble() < MiddleShare ? Form(middles[random.Next(middles.Length)]) : filler[random.Next(filler.Length)]);
                    }

                    if (random.NextDouble() < 0.05)
                    {
                        sentence.Add("`config.load()`");
                    }

                    sentence[0] = char.ToUpperInvariant(sentence[0][0]) + sentence[0][1..];
                    answer.Append(string.Join(' ', sentence)).Append(". ");
                    written += sentence.Count;
                }
            }

            answers.Add(answer.ToString().TrimEnd());
        }

        return answers;
    }
}
