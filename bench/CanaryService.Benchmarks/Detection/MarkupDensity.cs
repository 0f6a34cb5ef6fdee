using System.Globalization;
using System.Text;
using CanaryService.Benchmarks.Corpus;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;

namespace CanaryService.Benchmarks.Detection;

/// <summary>
/// How dense the markup channel (list bullets) is on real answers beside the lexical channel (not a benchmark of
/// speed): keyed occurrences per 1,000 words of each model and model family, as the detector counts them, and how many
/// answers marking changes. Optionally writes a seeded sample of changed answers (the list opening before and after)
/// to a folder outside the repository, for a reader to judge.
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project bench/CanaryService.Benchmarks -- markup-density [data folder] [sample size]
/// [sample folder]</c> (default <c>../shared/data/model-outputs</c>, no sample). The data is evaluation data: it is read,
/// never copied into the repository.
/// </remarks>
internal static class MarkupDensity
{
    public static int Run(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "data", "model-outputs");
        int sampleSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
        string? sampleFolder = args.Length > 2 ? args[2] : null;

        CanaryLexicon lexicon = CanaryLexicon.Default;
        LexiconGroup bullets = lexicon.Bullets ?? throw new InvalidOperationException("The shipped lexicon has no bullet group.");
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        var layers = LexiconLayers.Create(lexicon, ring);
        var detector = new LexicalDetector(lexicon, layers);
        var marker = new TextMarker(lexicon, layers, ring.Global, ring.ForAccount("density"));

        var families = new SortedDictionary<string, Counts>(StringComparer.Ordinal);
        var all = new Counts();
        var changed = new List<(string Model, int Answer, string Before, string After)>();
        Console.WriteLine("model                                   answers     words  lexical/1k  bullet/1k  answers keyed  answers changed");
        foreach (string path in Directory.GetFiles(folder, "*.jsonl.gz").Order(StringComparer.Ordinal))
        {
            string model = Path.GetFileName(path)[..^".jsonl.gz".Length];
            var counts = new Counts();
            var answers = CorpusAnswers.Read(path);
            for (int a = 0; a < answers.Count; a++)
            {
                string answer = answers[a].Answer;
                counts.Answers++;
                counts.Words += answer.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
                int keyed = 0;
                foreach (LexicalContext context in detector.Scan(answer))
                {
                    if (context.GroupId == bullets.Id)
                    {
                        keyed++;
                    }
                    else
                    {
                        counts.Lexical++;
                    }
                }

                counts.Bullets += keyed;
                counts.AnswersKeyed += keyed > 0 ? 1 : 0;
                string marked = keyed > 0 ? marker.Mark(answer) : answer;
                if (keyed > 0 && BulletsChanged(answer, marked) is { } change)
                {
                    counts.AnswersChanged++;
                    counts.AnswersNowMixed += MarginBullets(answer) == 1 && MarginBullets(marked) == 2 ? 1 : 0;
                    changed.Add((model, a + 1, change.Before, change.After));
                }
            }

            Console.WriteLine($"{model,-38} {counts.Answers,8} {counts.Words,9} {counts.LexicalRate,11:F3} {counts.BulletRate,10:F3} {counts.AnswersKeyed,14} {counts.AnswersChanged,16}");
            string family = Family(model);
            families.TryAdd(family, new Counts());
            families[family].AddFrom(counts);
            all.AddFrom(counts);
        }

        Console.WriteLine();
        Console.WriteLine("family            models-answers     words  lexical/1k  bullet/1k  share of answers keyed");
        foreach ((string family, Counts counts) in families)
        {
            Console.WriteLine($"{family,-18} {counts.Answers,14} {counts.Words,9} {counts.LexicalRate,11:F3} {counts.BulletRate,10:F3} {100.0 * counts.AnswersKeyed / counts.Answers,22:F1} %");
        }

        Console.WriteLine($"{"all",-18} {all.Answers,14} {all.Words,9} {all.LexicalRate,11:F3} {all.BulletRate,10:F3} {100.0 * all.AnswersKeyed / all.Answers,22:F1} %");
        Console.WriteLine($"answers whose bullets marking changed (one key ring): {all.AnswersChanged} of {all.Answers}; " +
            $"of these, {all.AnswersNowMixed} wrote every list at the margin with one bullet before and mix * and - after");

        if (sampleSize > 0 && sampleFolder is not null)
        {
            Directory.CreateDirectory(sampleFolder);
            var random = new Random(17);
            var sample = changed.OrderBy(_ => random.Next()).Take(sampleSize).ToList();
            var text = new StringBuilder();
            for (int i = 0; i < sample.Count; i++)
            {
                var (model, answer, before, after) = sample[i];
                text.Append(CultureInfo.InvariantCulture, $"## {i + 1}. {model}, answer {answer}\n\nbefore:\n```\n{before}\n```\nafter:\n```\n{after}\n```\n\n");
            }

            File.WriteAllText(Path.Combine(sampleFolder, "markup-sample.md"), text.ToString());
            Console.WriteLine($"wrote {sample.Count} changed list openings to {Path.Combine(sampleFolder, "markup-sample.md")}");
        }

        return 0;
    }

    /// <summary>The lines around the first line whose bullet marking changed (a few before, the list's first lines after), or null.</summary>
    private static (string Before, string After)? BulletsChanged(string original, string marked)
    {
        if (ReferenceEquals(original, marked))
        {
            return null;
        }

        string[] a = original.Split('\n'), b = marked.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.Ordinal) && a[i].Length > 0 && a[i][0] is '*' or '-' && string.Equals(a[i][1..], b[i][1..], StringComparison.Ordinal))
            {
                int from = Math.Max(0, i - 2), to = Math.Min(a.Length, i + 4);
                return (string.Join('\n', a[from..to]), string.Join('\n', b[from..to]));
            }
        }

        return null;
    }

    /// <summary>How many of <c>*</c> and <c>-</c> start the answer's lines at the margin as bullets (0, 1 or 2).</summary>
    private static int MarginBullets(string text)
    {
        bool star = false, dash = false;
        foreach (string line in text.Split('\n'))
        {
            star |= line.StartsWith("* ", StringComparison.Ordinal);
            dash |= line.StartsWith("- ", StringComparison.Ordinal);
        }

        return (star ? 1 : 0) + (dash ? 1 : 0);
    }

    /// <summary>The model family: the name's first part without its version (Meta-Llama → llama, Mixtral → mistral).</summary>
    private static string Family(string model)
    {
        string name = model.ToLowerInvariant();
        if (name.StartsWith("meta-llama", StringComparison.Ordinal))
        {
            return "llama";
        }

        string first = name.Split('-', '.')[0];
        int digit = first.AsSpan().IndexOfAnyInRange('0', '9');
        first = digit > 0 ? first[..digit] : first;
        return first switch
        {
            "mixtral" => "mistral",
            "xwinlm" => "xwin",
            _ => first,
        };
    }

    private sealed class Counts
    {
        public int Answers;
        public long Words;
        public long Lexical;
        public long Bullets;
        public int AnswersKeyed;
        public int AnswersChanged;
        public int AnswersNowMixed;

        public double LexicalRate => Words == 0 ? 0 : 1000.0 * Lexical / Words;

        public double BulletRate => Words == 0 ? 0 : 1000.0 * Bullets / Words;

        public void AddFrom(Counts other)
        {
            Answers += other.Answers;
            Words += other.Words;
            Lexical += other.Lexical;
            Bullets += other.Bullets;
            AnswersKeyed += other.AnswersKeyed;
            AnswersChanged += other.AnswersChanged;
            AnswersNowMixed += other.AnswersNowMixed;
        }
    }
}
