using System.Globalization;
using CanaryService.Drill.Campaign;
using CanaryService.Drill.Corpus;
using CanaryService.Drill.Students;

namespace CanaryService.Drill;

/// <summary>The drill's command-line options (see <see cref="Usage"/>).</summary>
internal sealed record DrillOptions
{
    public const string Usage = """
        Usage: dotnet run --project tools/CanaryService.Drill [-- options]

        Runs the whole mission offline: a teacher model, traffic through the marking proxy, students distilled
        from one account's answers (100%, 25% and 5% marked) and a control, a harvesting campaign spread over
        many accounts among benign ones and a student of its answers, the extraction monitor, the probe
        pipeline, the verdicts.

        Options:
          --seed N           seed for the corpus, the keys' master secret and the students (default 1)
          --prompts N        the distiller's part of the teacher corpus (default 400, at most {0}; {1}
                             without a campaign, which harvests prompts of its own)
          --probe-budget N   probe requests per competitor and run (default 400)
          --probe-runs N     probe runs, one after the other as the timer would start them; the verdicts are
                             read after each, and the JSON result lists them per competitor (default 1)
          --accounts N       accounts sending traffic, the distiller included (default 4, at least 2)
          --harvest-accounts N
                             accounts of the harvesting campaign (default 30; 0 runs no campaign scenario)
          --benign-accounts N
                             benign accounts the campaign hides among (default 150)
          --corpus PATH      run on real text: the teacher answers with these recorded answers (JSON lines
                             with "prompt" and "output" or "answer", plain or .gz; e.g. one model's file of
                             ../shared/data/model-outputs) instead of the generated corpus
          --mix PATH         with --corpus: a file or folder of other models' answers (same format) that fills
                             each student's training set around the distiller's answers, so that the marked
                             share is a share of a larger, mixed training set (every student learns all the
                             distiller's answers); without it, a student learns the distiller's prompts only,
                             the share of them marked and the rest as the teacher wrote them
          --shares LIST      the marked shares of the distiller's students, in percent (default 100,25,5)
          --phrase-rate R    Canary:PhraseRate, the share of answers that draw a canary phrasing (default 1.0;
                             the service's default is 0.2)
          --replay-share R   Probe:ReplayPromptShare, the share of probe prompts that replay prompts our
                             accounts asked (default 0.3; 0 probes with topic and open prompts only)
          --topic-share R    Probe:TopicPromptShare, the share that ask about issued canary topics (default 0.5)
          --student-server CMD
                             serve each student from an external OpenAI-compatible server instead of the in-process
                             retrieval + n-gram model: after the harvest the drill writes the student's training
                             set as JSON lines ("prompt", "answer") to a temporary file and runs CMD through the
                             shell with {{training}} replaced by that file's path, {{port}} by a free loopback port
                             and {{name}} by the student's name; the drill probes it once GET
                             http://127.0.0.1:PORT/v1/models succeeds (a server that trains first should hold the
                             port and answer an error until then; e.g. bench/CanaryService.NeuralStudent); every
                             server is stopped when the drill ends
          --student-wait MIN minutes to wait for each student server to answer (default 30)
          --json PATH        write the machine-readable result to PATH
          --report PATH      write each competitor's HTML evidence report, named PATH with the competitor's
                             name before the extension (default drill-report.html: drill-report.control.html, ...);
                             an empty PATH writes none
          -h, --help         show this help

        Exit codes: 0 when every marked student is "distilled" (p < 1e-6) and attributed to the distiller, the
        campaign's student is "distilled" (p < 1e-6) and attributed to a cluster holding every harvest account
        and no benign one, no benign account is flagged, and the control is "not-detected" (p > 0.01) with no
        cluster; 1 when the drill fails or falls short; 2 for a wrong option.
        """;

    public int Seed { get; init; } = 1;

    public int Prompts { get; init; } = 400;

    public int ProbeBudget { get; init; } = 400;

    public int ProbeRuns { get; init; } = 1;

    public int Accounts { get; init; } = 4;

    public int HarvestAccounts { get; init; } = 30;

    public int BenignAccounts { get; init; } = 150;

    /// <summary>The teacher's recorded answers (<c>--corpus</c>), or null for the generated corpus.</summary>
    public string? CorpusPath { get; init; }

    /// <summary>Other models' answers that fill the students' training sets (<c>--mix</c>), or null.</summary>
    public string? MixPath { get; init; }

    /// <summary>The marked shares of the distiller's students, from 0 (exclusive) to 1.</summary>
    public IReadOnlyList<double> Shares { get; init; } = StudentLineup.DefaultShares;

    public double PhraseRate { get; init; } = 1.0;

    public double ReplayShare { get; init; } = 0.3;

    public double TopicShare { get; init; } = 0.5;

    /// <summary>The command that serves a student from its training set (<c>--student-server</c>), or null for the in-process students.</summary>
    public string? StudentServer { get; init; }

    /// <summary>How long to wait for each student server to answer (<c>--student-wait</c>).</summary>
    public TimeSpan StudentWait { get; init; } = TimeSpan.FromMinutes(30);

    public string? JsonPath { get; init; }

    public string ReportPath { get; init; } = "drill-report.html";

    public bool ShowHelp { get; init; }

    /// <summary>Parses the command line.</summary>
    /// <exception cref="DrillUsageException">An option is unknown, lacks its value, or is out of range.</exception>
    public static DrillOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new DrillOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string? inline = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                (arg, inline) = (arg[..eq], arg[(eq + 1)..]);
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count)
                {
                    throw new DrillUsageException($"Option {arg} needs a value.");
                }

                return args[++i];
            }

            int Number(int min, int max)
            {
                string text = Value();
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
                {
                    throw new DrillUsageException($"Option {arg} must be a whole number from {min} to {max} (got '{text}').");
                }

                return n;
            }

            double Fraction()
            {
                string text = Value();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) || !(r >= 0 && r <= 1))
                {
                    throw new DrillUsageException($"Option {arg} must be a number from 0 to 1 (got '{text}').");
                }

                return r;
            }

            IReadOnlyList<double> Percentages()
            {
                string text = Value();
                var shares = new List<double>();
                foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double percent) || !(percent > 0 && percent <= 100))
                    {
                        throw new DrillUsageException($"Option {arg} takes percentages above 0 and at most 100, separated by commas (got '{text}').");
                    }

                    shares.Add(percent / 100);
                }

                return shares.Count > 0 && shares.Distinct().Count() == shares.Count
                    ? [.. shares.OrderDescending()]
                    : throw new DrillUsageException($"Option {arg} takes one or more distinct percentages (got '{text}').");
            }

            options = arg switch
            {
                "--seed" => options with { Seed = Number(int.MinValue, int.MaxValue) },
                "--prompts" => options with { Prompts = Number(20, 100_000) },
                "--probe-budget" => options with { ProbeBudget = Number(10, 10_000) },
                "--probe-runs" => options with { ProbeRuns = Number(1, 100) },
                "--accounts" => options with { Accounts = Number(2, 50) },
                "--harvest-accounts" => options with { HarvestAccounts = Number(0, 60) is var n && n != 1 ? n : throw new DrillUsageException("Option --harvest-accounts must be 0 (no campaign) or from 2 to 60: one account is no campaign.") },
                "--benign-accounts" => options with { BenignAccounts = Number(20, 1000) },
                "--corpus" => options with { CorpusPath = Value() },
                "--mix" => options with { MixPath = Value() },
                "--shares" => options with { Shares = Percentages() },
                "--phrase-rate" => options with { PhraseRate = Fraction() },
                "--replay-share" => options with { ReplayShare = Fraction() },
                "--topic-share" => options with { TopicShare = Fraction() },
                "--student-server" => options with { StudentServer = Value() },
                "--student-wait" => options with { StudentWait = TimeSpan.FromMinutes(Number(1, 24 * 60)) },
                "--json" => options with { JsonPath = Value() },
                "--report" => options with { ReportPath = Value() },
                "-h" or "--help" => options with { ShowHelp = true },
                _ => throw new DrillUsageException($"Unknown option '{args[i]}'."),
            };
        }

        if (options.CorpusPath is null && options.MixPath is not null)
        {
            throw new DrillUsageException("Option --mix needs --corpus: it mixes real answers into training sets of real answers.");
        }

        if (options.StudentServer is { } command && !(command.Contains(ExternalStudent.TrainingPlaceholder, StringComparison.Ordinal) && command.Contains(ExternalStudent.PortPlaceholder, StringComparison.Ordinal)))
        {
            throw new DrillUsageException($"Option --student-server needs {ExternalStudent.TrainingPlaceholder} and {ExternalStudent.PortPlaceholder} in its command (got '{command}').");
        }

        if (options.ReplayShare + options.TopicShare > 1 + 1e-9)
        {
            throw new DrillUsageException("Options --replay-share and --topic-share must add up to at most 1: they are shares of one run's prompts.");
        }

        // A recorded corpus is checked against its size when it is read.
        if (options.CorpusPath is null && (options.Prompts < 40 || options.Prompts > TeacherCorpus.MaxSize))
        {
            throw new DrillUsageException($"Option --prompts must be a whole number from 40 to {TeacherCorpus.MaxSize} with the generated corpus (got {options.Prompts}).");
        }

        if (options.CorpusPath is null && options.HarvestAccounts > 0 && options.Prompts > TeacherCorpus.MaxSize - CampaignTrafficPlan.HarvestedPrompts)
        {
            throw new DrillUsageException(
                $"Option --prompts must be at most {TeacherCorpus.MaxSize - CampaignTrafficPlan.HarvestedPrompts} with a campaign: the campaign harvests {CampaignTrafficPlan.HarvestedPrompts} prompts of its own.");
        }

        return options;
    }
}

/// <summary>The drill's command line is wrong; the message says how.</summary>
internal sealed class DrillUsageException(string message) : Exception(message);
