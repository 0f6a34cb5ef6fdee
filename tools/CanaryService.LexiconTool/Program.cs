using CanaryService.LexiconTool;

// The lexicon's build and its checks on real text. Run from the repository root:
//   dotnet run --project tools/CanaryService.LexiconTool -- <command> [options]
// Commands:
//   measure --corpus DIR --wordnet DIR   count every candidate form's contexts on the tuning models (all but the held-out
//                                        ones) and check WordNet; writes tools/lexicon/evidence.tsv
//   build                                rebuild src/CanaryService.Core/Lexicon/lexicon.txt from candidates + evidence
//   sample --corpus DIR [--changes N] [--seed S] [--out FILE] [--text] [--answers DIR]
//                                        the judged table names each change by model, line and offset; --text adds
//                                        the sentences before and after, --answers writes each answer whole (for the
//                                        reader, outside the repository: the corpus is never committed)
//                                        N random changes on the held-out models (sentence before/after) for judging
//   holdback --corpus DIR                 how many words the stream holds back, on every answer of every model
//   audit --corpus DIR [--keys K]        every change on all models that falls in a line or token a reader calls code,
//                                        and changes/eligible occurrences per 1,000 words per model family
var arguments = args.ToList();
if (arguments.Count == 0)
{
    Console.Error.WriteLine("usage: measure | build | sample | audit | holdback (see Program.cs)");
    return 2;
}

string Option(string name, string? fallback = null)
{
    int i = arguments.IndexOf("--" + name);
    return i >= 0 && i + 1 < arguments.Count ? arguments[i + 1] : fallback ?? throw new ArgumentException($"--{name} is required");
}

string? OptionOrNull(string name)
{
    int i = arguments.IndexOf("--" + name);
    return i >= 0 && i + 1 < arguments.Count ? arguments[i + 1] : null;
}

string root = LexiconFiles.FindRepositoryRoot();
try
{
    switch (arguments[0])
    {
        case "measure":
            Measure.Run(root, Option("corpus"), Option("wordnet"));
            break;
        case "build":
            LexiconFiles.Build(root, Console.Out);
            break;
        case "sample":
            ChangeSample.Run(root, Option("corpus"), int.Parse(Option("changes", "300")), int.Parse(Option("seed", "1")), Option("out", Path.Combine(root, "docs", "quality", "lexical-changes-judged.md")), OptionOrNull("answers"), arguments.Contains("--text"));
            break;
        case "holdback":
            StreamHoldBack.Run(Option("corpus"));
            break;
        case "audit":
            Audit.Run(Option("corpus"), int.Parse(Option("keys", "3")));
            break;
        default:
            Console.Error.WriteLine($"unknown command '{arguments[0]}'");
            return 2;
    }
}
catch (Exception e) when (e is ArgumentException or IOException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

return 0;
