using System.Globalization;
using CanaryService.Drill.Campaign;
using CanaryService.Drill.Corpus;

namespace CanaryService.Drill;

/// <summary>The drill's command-line options (<c>[--seed N] [--prompts N] [--probe-budget N] [--accounts N] [--harvest-accounts N] [--benign-accounts N] [--json PATH] [--report PATH]</c>).</summary>
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
          --probe-budget N   probe requests per competitor (default 400)
          --accounts N       accounts sending traffic, the distiller included (default 4, at least 2)
          --harvest-accounts N
                             accounts of the harvesting campaign (default 30; 0 runs no campaign scenario)
          --benign-accounts N
                             benign accounts the campaign hides among (default 150)
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

    public int Accounts { get; init; } = 4;

    public int HarvestAccounts { get; init; } = 30;

    public int BenignAccounts { get; init; } = 150;

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

            options = arg switch
            {
                "--seed" => options with { Seed = Number(int.MinValue, int.MaxValue) },
                "--prompts" => options with { Prompts = Number(40, TeacherCorpus.MaxSize) },
                "--probe-budget" => options with { ProbeBudget = Number(10, 10_000) },
                "--accounts" => options with { Accounts = Number(2, 50) },
                "--harvest-accounts" => options with { HarvestAccounts = Number(0, 60) is var n && n != 1 ? n : throw new DrillUsageException("Option --harvest-accounts must be 0 (no campaign) or from 2 to 60: one account is no campaign.") },
                "--benign-accounts" => options with { BenignAccounts = Number(20, 1000) },
                "--json" => options with { JsonPath = Value() },
                "--report" => options with { ReportPath = Value() },
                "-h" or "--help" => options with { ShowHelp = true },
                _ => throw new DrillUsageException($"Unknown option '{args[i]}'."),
            };
        }

        if (options.HarvestAccounts > 0 && options.Prompts > TeacherCorpus.MaxSize - CampaignTrafficPlan.HarvestedPrompts)
        {
            throw new DrillUsageException(
                $"Option --prompts must be at most {TeacherCorpus.MaxSize - CampaignTrafficPlan.HarvestedPrompts} with a campaign: the campaign harvests {CampaignTrafficPlan.HarvestedPrompts} prompts of its own.");
        }

        return options;
    }
}

/// <summary>The drill's command line is wrong; the message says how.</summary>
internal sealed class DrillUsageException(string message) : Exception(message);
