using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Core.Phrases;
using CanaryService.Core.Issuance;

namespace CanaryService.Benchmarks.Phrases;

/// <summary>
/// Runs the phrase canary over a corpus of real answers (JSON lines <c>{"prompt","output"}</c>, gzipped, one file per
/// model) and prints what the manual quotes: how many answers that drew a canary got it inserted, whether streaming
/// equals whole-text marking on them, how often each phrasing occurs in the unmarked answers (the matcher's natural
/// false hits), and a random sample of inserted sentences with a few words before them, to judge by eye.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project bench/CanaryService.Benchmarks -- phrase-corpus ../shared/data/model-outputs [samples]
/// [--answers folder] [--seed n] [--dump folder] [--no-natural]</c>; <c>--answers</c> writes each sampled answer whole
/// (prompt, marked answer) to a folder outside the repository, for a reader; <c>--seed</c> draws another sample (7 by
/// default, the one first judged); <c>--dump</c> writes every answer that drew a canary, inserted or skipped (under the
/// rule that kept it out), to study a rule over the whole corpus.
/// The corpus is evaluation data: this prints figures and short excerpts, and the repository keeps neither the
/// corpus nor its output. Everything is seeded (master key, sample), so a run is reproducible.
/// </remarks>
public static class PhraseCorpusReport
{
    private const double Rate = 0.2;
    private const string Epoch = "2026-12";

    /// <summary>Entry point: <c>phrase-corpus &lt;folder&gt; [samples]</c>.</summary>
    public static int Run(string[] args)
    {
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: phrase-corpus <folder of *.jsonl.gz> [samples]");
            return 2;
        }

        int samples = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        int answersAt = Array.IndexOf(args, "--answers");
        string? answersFolder = answersAt > 0 && answersAt + 1 < args.Length ? args[answersAt + 1] : null;
        int seedAt = Array.IndexOf(args, "--seed");
        int seed = seedAt > 0 && seedAt + 1 < args.Length ? int.Parse(args[seedAt + 1], CultureInfo.InvariantCulture) : 7;
        int dumpAt = Array.IndexOf(args, "--dump");
        string? dumpFolder = dumpAt > 0 && dumpAt + 1 < args.Length ? args[dumpAt + 1] : null;
        List<(string Model, string Prompt, string Output)> answers = Load(args[0]);
        Console.WriteLine($"corpus: {answers.Count} answers from {answers.Select(a => a.Model).Distinct().Count()} models");
        Insertion(answers, samples, answersFolder, seed, dumpFolder);
        if (!args.Contains("--no-natural"))
        {
            NaturalHits(answers);
        }
        return 0;
    }

    private static List<(string, string, string)> Load(string folder)
    {
        var answers = new List<(string, string, string)>();
        foreach (string file in Directory.GetFiles(folder, "*.jsonl.gz").Order(StringComparer.Ordinal))
        {
            string model = Path.GetFileName(file)[..^".jsonl.gz".Length];
            using var reader = new StreamReader(new GZipStream(File.OpenRead(file), CompressionMode.Decompress));
            while (reader.ReadLine() is { } line)
            {
                using var json = JsonDocument.Parse(line);
                answers.Add((model, json.RootElement.GetProperty("prompt").GetString() ?? "", json.RootElement.GetProperty("output").GetString() ?? ""));
            }
        }

        return answers;
    }

    private static void Insertion(List<(string Model, string Prompt, string Output)> answers, int samples, string? answersFolder, int seed, string? dumpFolder)
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        var marker = new CanaryMarker(ring, new CanaryMarkerOptions { PhraseRate = Rate, EpochFormat = "yyyy-MM" }, new MemoryRegistry(), TimeProvider.System);
        int won = 0, pieces = 0, verdicts = 0;
        int drew = 0, inserted = 0, structured = 0, structuredInserted = 0, streamChecked = 0, streamDiffers = 0, noTopic = 0, secondPass = 0;
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var found = new List<(string Model, string Excerpt, string Prompt, string Marked, string Sentence)>();
        var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
        var random = new Random(2026);
        foreach ((string model, string prompt, string output) in answers)
        {
            var request = new MarkingRequest("corpus:" + model, prompt);
            if (TopicBucket.FromPrompt(prompt) is null)
            {
                noTopic++;
            }

            if (marker.DrawsCanary(request.AccountId, request))
            {
                won++;
                pieces += PieceRequest.Matches(prompt) ? 1 : 0;
            }

            ResponseMarking marking = marker.BeginAsync(request).GetAwaiter().GetResult();
            if (marking.Canary is null)
            {
                continue;
            }

            drew++;
            verdicts += VerdictRequest.Matches(prompt) ? 1 : 0;
            bool isStructured = output.TrimStart() is { Length: > 0 } t && t[0] is '{' or '[' or '<';
            structured += isStructured ? 1 : 0;
            string marked = marking.MarkText(output, 0);
            if (marking.CanaryEmitted)
            {
                inserted++;
                structuredInserted += isStructured ? 1 : 0;
                string lexical = marker.CreateTextMarker("corpus:" + model).Mark(output);
                string kind = marked.StartsWith(lexical.TrimEnd(), StringComparison.Ordinal) ? "appended"
                    : marked.EndsWith(LastParagraph(lexical), StringComparison.Ordinal) ? "before a wish"
                    : marked.Contains(marking.Canary.Sentence + " ", StringComparison.Ordinal) ? "before a wish ending the answer" : "replacing a closing";
                kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
                found.Add((model, kind switch
                {
                    "appended" => LastWords(output, 10) + " ‖ " + marking.Canary.Sentence,
                    "before a wish" or "before a wish ending the answer" => LastWords(Before(output), 8) + " ‖ " + marking.Canary.Sentence + " ‖ " + Shorten(LastParagraph(output), 60),
                    _ => LastWords(Before(output), 8) + " ‖ " + marking.Canary.Sentence + " (replacing: " + Shorten(LastParagraph(output), 60) + ")",
                }, prompt, marked, marking.Canary.Sentence));

                // Idempotence: the marked answer marked again (same request) gains no second canary.
                ResponseMarking again = marker.BeginAsync(request).GetAwaiter().GetResult();
                string twice = again.MarkText(marked, 0);
                secondPass += again.CanaryEmitted || CountOf(twice, marking.Canary.Sentence) != 1 ? 1 : 0;
                Dump(dumpFolder, "inserted", drew, model, prompt, marked.Replace(marking.Canary.Sentence, ">>>" + marking.Canary.Sentence + "<<<", StringComparison.Ordinal));
            }
            else
            {
                string reason = Reason(marker.CreateTextMarker("corpus:" + model).Mark(output), marking.Canary.Sentence, CanaryMarker.MinimumProseWords(prompt));
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                Dump(dumpFolder, Path.Combine("skipped", reason.Replace(' ', '-')), drew, model, prompt, output);
            }

            if (drew % 10 == 0)
            {
                // Streaming equals whole text: the same answer in random deltas (1-40 characters, as upstreams send).
                ResponseMarking streamMarking = marker.BeginAsync(request).GetAwaiter().GetResult();
                StreamingTextMarker stream = streamMarking.CreateStream(0);
                var streamed = new StringBuilder();
                for (int i = 0; i < output.Length;)
                {
                    int n = Math.Min(output.Length - i, random.Next(1, 41));
                    streamed.Append(stream.Append(output.Substring(i, n)));
                    i += n;
                }

                streamed.Append(stream.Complete());
                streamChecked++;
                streamDiffers += string.Equals(streamed.ToString(), marked, StringComparison.Ordinal) ? 0 : 1;
            }
        }

        int prose = drew - structured;
        Console.WriteLine($"PhraseRate {Rate}: {drew} of {answers.Count} answers drew a canary ({(double)drew / answers.Count:P1}; {noTopic} answers have no topic and never draw)");
        Console.WriteLine($"won the keyed draw: {won} ({(double)won / answers.Count:P1}); of those {pieces} ask for a piece and draw none ({(double)pieces / won:P1}); of the {drew} that drew, {verdicts} ask for a verdict");
        Console.WriteLine($"inserted: {inserted} of {drew} that drew ({(double)inserted / drew:P1}); of the {prose} prose answers (not JSON/XML/HTML): {inserted - structuredInserted} ({(double)(inserted - structuredInserted) / prose:P1})");
        Console.WriteLine($"where: {string.Join(", ", kinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}"))}");
        Console.WriteLine($"not inserted, by reason: {string.Join(", ", reasons.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value}"))}");
        Console.WriteLine($"streaming in random deltas equals whole text: {streamChecked - streamDiffers} of {streamChecked}; marked twice gains a second canary: {secondPass} of {inserted}");
        Console.WriteLine();
        Console.WriteLine($"{samples} inserted canaries drawn at random (seed {seed}; model: last words before the canary ‖ canary ‖ what follows it):");
        var pick = new Random(seed);
        int number = 0;
        if (answersFolder is not null)
        {
            Directory.CreateDirectory(answersFolder);
        }

        foreach (var (model, excerpt, prompt, marked, sentence) in found.OrderBy(_ => pick.Next()).Take(samples))
        {
            number++;
            Console.WriteLine($"- {model}: …{excerpt}");
            if (answersFolder is not null)
            {
                // For a reader with the corpus (never for the repository): the prompt and the whole marked answer,
                // the canary between >>> and <<<.
                File.WriteAllText(Path.Combine(answersFolder, $"{number:D3}.md"),
                    $"# {number} · {model}\n\n## Prompt\n\n{prompt}\n\n## Answer as the proxy returns it\n\n{marked.Replace(sentence, ">>>" + sentence + "<<<", StringComparison.Ordinal)}\n");
            }
        }

        Console.WriteLine();
    }

    // For a reader with the corpus (never for the repository): one answer that drew a canary, under what became of it.
    private static void Dump(string? folder, string kind, int number, string model, string prompt, string answer)
    {
        if (folder is null)
        {
            return;
        }

        string directory = Path.Combine(folder, kind);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, $"{number:D4}.md"), $"# {number} · {model}\n\n## Prompt\n\n{prompt}\n\n## Answer\n\n{answer}\n");
    }

    // Why an answer that drew a canary got none: the rule the insertion names.
    private static string Reason(string lexical, string sentence, int minimumProseWords)
    {
        var insertion = new PhraseInsertion(sentence, minimumProseWords);
        var output = new MarkedOutput(lexical.Length + 256);
        try
        {
            insertion.Process(lexical, ref output);
            insertion.Finish(ref output);
            return insertion.SkipReason ?? "(inserted)";
        }
        finally
        {
            output.Dispose();
        }
    }

    private static void NaturalHits(List<(string Model, string Prompt, string Output)> answers)
    {
        // Every phrasing against every unmarked answer: which answers contain it (one edit forgiven, as the detector).
        var phrasings = Enumerable.Range(0, CanaryPhrasing.Count).Select(CanaryPhrasing.Phrasing).ToArray();
        var matcher = new CandidatePhraseMatcher(phrasings);
        var counts = new int[phrasings.Length];
        int anyHit = 0;
        Parallel.ForEach(answers, () => new int[phrasings.Length], (answer, _, local) =>
        {
            var one = new int[phrasings.Length];
            matcher.CountIn(answer.Output, one);
            for (int i = 0; i < one.Length; i++)
            {
                local[i] += one[i];
            }

            if (one.Any(c => c > 0))
            {
                Interlocked.Increment(ref anyHit);
            }

            return local;
        }, local =>
        {
            lock (counts)
            {
                for (int i = 0; i < counts.Length; i++)
                {
                    counts[i] += local[i];
                }
            }
        });

        int seen = counts.Count(c => c > 0);
        Console.WriteLine($"natural hits: {anyHit} of {answers.Count} unmarked answers ({(double)anyHit / answers.Count:P3}) contain one of the {phrasings.Length} phrasings; {seen} phrasings occur at all");
        foreach (int i in Enumerable.Range(0, counts.Length).Where(i => counts[i] > 0).OrderByDescending(i => counts[i]).Take(10))
        {
            Console.WriteLine($"  {counts[i]} answers ({(double)counts[i] / answers.Count:P3}): {phrasings[i]}");
        }

        // Per topic, as the detector counts: each answer against its own prompt's 100 candidates, under 20 keys.
        long answersScored = 0, answersHit = 0, pairs = 0, pairsHit = 0;
        for (int key = 0; key < 20; key++)
        {
            var generator = new PhraseCanaryGenerator(new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Repeat((byte)(100 + key), 32).ToArray())));
            var byTopic = new ConcurrentDictionary<string, (CandidatePhraseMatcher Matcher, int[] Counts)>(StringComparer.Ordinal);
            foreach ((_, string prompt, string output) in answers)
            {
                if (TopicBucket.FromPrompt(prompt) is not { } topic)
                {
                    continue;
                }

                var tally = byTopic.GetOrAdd(topic.Key, _ =>
                {
                    PhraseCanary canary = generator.Create(Epoch, topic.Key, topic.Words);
                    return (new CandidatePhraseMatcher(canary.Candidates), new int[canary.Candidates.Count]);
                });
                var one = new int[tally.Counts.Length];
                tally.Matcher.CountIn(output, one);
                answersScored++;
                answersHit += one.Any(c => c > 0) ? 1 : 0;
                for (int i = 0; i < one.Length; i++)
                {
                    tally.Counts[i] += one[i];
                }
            }

            foreach ((_, int[] c) in byTopic.Values)
            {
                pairs += c.Length;
                pairsHit += c.Count(x => x > 0);
            }
        }

        Console.WriteLine($"per topic (20 keys): {answersHit} of {answersScored} answers hit a candidate of their own topic ({(double)answersHit / answersScored:P4}); (topic, candidate) pairs ever hit: {pairsHit} of {pairs} ({(double)pairsHit / pairs:P4})");
    }

    private static string Shorten(string text, int length) =>
        text.Length <= length ? text.ReplaceLineEndings(" ") : text[..length].ReplaceLineEndings(" ") + "…";

    private static string LastParagraph(string text)
    {
        string trimmed = text.TrimEnd();
        int blank = trimmed.LastIndexOf("\n\n", StringComparison.Ordinal);
        return blank < 0 ? trimmed : trimmed[(blank + 2)..];
    }

    private static string Before(string text)
    {
        string trimmed = text.TrimEnd();
        int blank = trimmed.LastIndexOf("\n\n", StringComparison.Ordinal);
        return blank < 0 ? "" : trimmed[..blank];
    }

    private static int CountOf(string text, string sentence)
    {
        int count = 0;
        for (int i = text.IndexOf(sentence, StringComparison.Ordinal); i >= 0; i = text.IndexOf(sentence, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string LastWords(string text, int words)
    {
        string[] all = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', all.Skip(Math.Max(0, all.Length - words)));
    }

    private sealed class MemoryRegistry : ICanaryRegistry
    {
        private readonly ConcurrentDictionary<(string, string), CanaryRecord> _rows = new();

        public Task RegisterAsync(CanaryRecord record, CancellationToken cancellationToken = default)
        {
            _rows.TryAdd((record.Epoch, record.Topic), record);
            return Task.CompletedTask;
        }

        public async IAsyncEnumerable<CanaryRecord> ListAsync(string? epoch = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            foreach (CanaryRecord row in _rows.Values.Where(r => epoch is null || r.Epoch == epoch))
            {
                yield return row;
            }
        }
    }
}
