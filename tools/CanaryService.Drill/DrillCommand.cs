using System.Globalization;
using System.Text;
using CanaryService.Drill.Campaign;
using CanaryService.Drill.Corpus;

namespace CanaryService.Drill;

/// <summary>
/// <c>dotnet run --project tools/CanaryService.Drill [-- options]</c>: the whole mission end to end, offline.
/// Exit codes: 0 when every verdict matches the ground truth, 1 when the drill fails or falls short (one line on
/// stderr says why), 2 for a wrong command line (with the usage).
/// </summary>
internal static class DrillCommand
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadUsage = 2;

    private static readonly CompositeFormat UsageFormat = CompositeFormat.Parse(DrillOptions.Usage);

    /// <summary>Runs the drill with the console; Ctrl+C stops it cleanly.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await RunAsync(args, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Runs the drill, writing progress and the table to <paramref name="output"/> and failures to <paramref name="error"/>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string usage = string.Format(CultureInfo.InvariantCulture, UsageFormat, TeacherCorpus.MaxSize - CampaignTrafficPlan.HarvestedPrompts, TeacherCorpus.MaxSize);
        DrillOptions options;
        try
        {
            options = DrillOptions.Parse(args);
        }
        catch (DrillUsageException ex)
        {
            await error.WriteLineAsync("drill: " + ex.Message).ConfigureAwait(false);
            await error.WriteLineAsync(usage).ConfigureAwait(false);
            return BadUsage;
        }

        if (options.ShowHelp)
        {
            await output.WriteLineAsync(usage).ConfigureAwait(false);
            return Success;
        }

        var progress = new DrillProgress(output);
        var settings = new DrillSettings
        {
            MasterKey = DrillSettings.MasterKeyFor(options.Seed),
            ProbeBudget = options.ProbeBudget,
            CompetitorTimeout = options.StudentServer is null ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(5),
            PhraseRate = options.PhraseRate,
            ReplayPromptShare = options.ReplayShare,
            TopicPromptShare = options.TopicShare,
        };
        DrillOutcome outcome;
        try
        {
            outcome = await new DrillRun(options, settings, progress).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DrillUsageException ex)
        {
            await error.WriteLineAsync("drill: " + ex.Message).ConfigureAwait(false);
            return BadUsage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("drill: cancelled.").ConfigureAwait(false);
            return Failure;
        }
#pragma warning disable CA1031 // The command's contract is one clear line on any failure, never a stack trace.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await error.WriteLineAsync($"drill failed after {progress.Elapsed.TotalSeconds:0}s: {Describe(ex)}").ConfigureAwait(false);
            return Failure;
        }

        DrillResult result = outcome.Result;
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(result.ToTable()).ConfigureAwait(false);
        foreach (CompetitorOutcome c in result.Competitors)
        {
            string significant = c.SignificantTests.Count == 0 ? "no significant test" : "significant: " + string.Join(", ", c.SignificantTests);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {c.Name}: {c.ProbeRequests} probe requests, {c.AnswerWords} words answered, {c.LexicalOccurrences} lexical occurrences scored, {c.PhraseMatches} answers with the real canary over {c.PhraseTopics} canary topics probed; {significant}")).ConfigureAwait(false);
        }

        if (result.Campaign is { } summary)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  extraction monitor: {summary.FlaggedAccounts.Count} accounts flagged ({summary.FlaggedAccounts.Count(summary.BenignAccounts.Contains)} of the {summary.BenignAccounts.Count} benign), {summary.FlaggedClusters} of {summary.Clusters} clusters flagged")).ConfigureAwait(false);
        }

        if (options.JsonPath is { } jsonPath)
        {
            try
            {
                await File.WriteAllTextAsync(jsonPath, result.ToJson(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync("drill failed: the result could not be written to " + jsonPath + ": " + ex.Message).ConfigureAwait(false);
                return Failure;
            }

            progress.Report("Wrote the machine-readable result to " + Path.GetFullPath(jsonPath));
        }

        IReadOnlyList<string> shortfalls = DrillExpectations.Shortfalls(result);
        if (shortfalls.Count > 0)
        {
            await error.WriteLineAsync("drill failed: " + string.Join("; ", shortfalls)).ConfigureAwait(false);
            return Failure;
        }

        string campaign = result.Competitors.FirstOrDefault(c => c.HarvestAccounts is not null) is { AttributedCluster: { } cluster } student
            ? $", the campaign's student to {cluster} ({student.ClusterAccounts?.Count} accounts, every harvest account among them), no benign account flagged"
            : "";
        progress.Report($"Drill passed: every student of the distiller is distilled and attributed to {result.DistillerAccount}{campaign}, the control is not detected");
        return Success;
    }

    private static string Describe(Exception exception)
    {
        Exception inner = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerException! : exception;
        string message = inner.Message.ReplaceLineEndings(" ");
        return inner is CanaryService.Core.Keys.CanaryConfigurationException ? message : inner.GetType().Name + ": " + message;
    }
}
