using CanaryService.Application.Configuration;
using CanaryService.Core.Detection;
using CanaryService.Core.Campaigns;
using CanaryService.Core.Issuance;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Probing;

/// <summary>
/// Plans a run's prompts for one competitor: replay prompts (prompts attribution candidates asked us, from their
/// prompt samples, verbatim or lightly reworded), topic prompts about canaries that were actually issued (each issued
/// topic once per round, the more often issued and the single-recipient ones first), and open prose prompts (explanations and how-tos whose natural
/// answers are full of transitions, adverbs and adjectives, where the lexical watermark lives).
/// </summary>
public sealed partial class ProbePlanner
{
    private readonly IPromptSampleLog _prompts;
    private readonly IOptionsMonitor<ProbeOptions> _options;
    private readonly IOptionsMonitor<DetectionOptions> _detection;
    private readonly ILogger<ProbePlanner> _logger;
    private readonly IMonitorResultStore? _monitor;

    /// <summary>Creates the planner.</summary>
    public ProbePlanner(
        IPromptSampleLog prompts,
        IOptionsMonitor<ProbeOptions> options,
        IOptionsMonitor<DetectionOptions> detection,
        ILogger<ProbePlanner> logger,
        IMonitorResultStore? monitor = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(detection);
        ArgumentNullException.ThrowIfNull(logger);
        _prompts = prompts;
        _options = options;
        _detection = detection;
        _logger = logger;
        _monitor = monitor;
    }

    /// <summary>
    /// How many prompts a run plans within a budget of <paramref name="requestBudget"/> requests: the budget less a
    /// retry reserve of <paramref name="reserveShare"/> of it (rounded up, at least one request) when prompts are
    /// retried at all, and always at least one prompt. Every prompt's first attempt fits in the planned part, so
    /// retries draw on the reserve and a transient failure no longer leaves a prompt unanswered for want of budget.
    /// </summary>
    /// <param name="requestBudget">The hard cap on requests per run (<c>MaxRequestsPerRun</c>), at least 1.</param>
    /// <param name="maxRetries">Retries of one prompt (<c>MaxRetries</c>); 0 keeps no reserve.</param>
    /// <param name="reserveShare">The share kept back for retries, in [0, 1).</param>
    public static int PromptCount(int requestBudget, int maxRetries, double reserveShare)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requestBudget, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        if (!(reserveShare >= 0 && reserveShare < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(reserveShare), reserveShare, "The retry reserve share must be in [0, 1).");
        }

        int reserve = maxRetries == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(requestBudget * reserveShare));
        return Math.Max(1, requestBudget - reserve);
    }

    /// <summary>Plans <paramref name="count"/> prompts. Storage faults degrade to fewer kinds of prompts and are reported in <see cref="ProbePlan.Errors"/>.</summary>
    /// <param name="count">How many prompts to plan.</param>
    /// <param name="seed">Seeds the draw, so runs vary but a run's plan can be reproduced.</param>
    /// <param name="snapshot">The run's registry and issuance window (one whose read failed plans open prompts only).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public async Task<ProbePlan> PlanAsync(int count, int seed, ProbeRunSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(snapshot);
        ProbeOptions options = _options.CurrentValue;
        List<string> errors = [];
        IReadOnlyList<AccountIssuance> accounts = snapshot.Accounts;
        IReadOnlyList<IssuedCanary> issued = IssuedCanaries(accounts, snapshot.Canaries);
        if (snapshot.Failure is { } failure)
        {
            LogIssuedCanariesUnavailable(_logger, failure);
            errors.Add("planner: issued canaries could not be read (" + failure.GetType().Name + "); open prompts only");
        }

        // Seeded on purpose: the plan is not a secret, and a reproducible draw makes a run explainable.
#pragma warning disable CA5394
        Random random = new(seed);
        List<ProbePrompt> prompts = new(count);

        // Replays first: the candidates the scoring tests (the same volume rule and cap), weighted by volume.
        int replayCount = (int)Math.Round(count * options.ReplayPromptShare);
        if (replayCount > 0 && accounts.Count > 0)
        {
            DetectionOptions detection = CompetitorScoring.EffectiveDetectionOptions(options, _detection.CurrentValue);
            AccountIssuance[] candidates = [.. AttributionCandidates.Select(accounts, detection)];
            try
            {
                // The flagged clusters' accounts are asked about too, whatever each one's volume: the cluster test
                // scores them together, and a campaign spreads its harvest thin over many accounts.
                candidates = [.. candidates.UnionBy(await ClusterAccountsAsync(accounts, detection, cancellationToken).ConfigureAwait(false), a => a.AccountId, StringComparer.Ordinal)];
                prompts.AddRange(await ReplayDraw.DrawAsync(_prompts, candidates, replayCount, options.ReplayRewordShare, random, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogPromptSamplesUnavailable(_logger, ex);
                errors.Add("planner: prompt samples could not be read (" + ex.GetType().Name + "); no replay prompts");
            }
        }

        int topicCount = issued.Count == 0 ? 0 : Math.Min(count - prompts.Count, (int)Math.Round(count * options.TopicPromptShare));
        int topicTarget = prompts.Count + topicCount;
        // Distinct topics carry independent evidence (a topic's phrase factor is fixed once its canary is seen), so
        // every issued topic is asked once before any is asked again; within a round, topics are ordered by a
        // weighted draw without replacement (Efraimidis-Spirakis), favouring those issued more often and, four to
        // one, those that a single account received: only those can attribute a leak to an account.
        for (int round = 0; prompts.Count < topicTarget; round++)
        {
            foreach (IssuedCanary canary in issued.OrderBy(c => -Math.Log(1 - random.NextDouble()) / c.Weight).ThenBy(c => c.Record.Topic, StringComparer.Ordinal))
            {
                if (prompts.Count >= topicTarget)
                {
                    break;
                }

                string template = ProbePromptTemplates.Topic[random.Next(ProbePromptTemplates.Topic.Count)];
                prompts.Add(new ProbePrompt(ProbePrompt.TopicKind, canary.Record.Epoch, canary.Record.Topic, string.Format(System.Globalization.CultureInfo.InvariantCulture, template, string.Join(' ', canary.Record.TopicWords))));
            }
        }

        // Open prompts: every subject once before any repeats, each with a fresh template.
        int[] subjects = [.. Enumerable.Range(0, ProbePromptTemplates.Subjects.Count)];
        random.Shuffle(subjects);
        for (int i = 0; prompts.Count < count; i++)
        {
            string subject = ProbePromptTemplates.Subjects[subjects[i % subjects.Length]];
            string template = ProbePromptTemplates.Open[random.Next(ProbePromptTemplates.Open.Count)];
            prompts.Add(new ProbePrompt(ProbePrompt.OpenKind, null, null, string.Format(System.Globalization.CultureInfo.InvariantCulture, template, subject)));
        }
#pragma warning restore CA5394

        return new ProbePlan(prompts, issued.Count, errors);
    }

    /// <summary>Registered canaries that were issued at least once in the window, with how often.</summary>
    private static List<IssuedCanary> IssuedCanaries(IReadOnlyList<AccountIssuance> accounts, IReadOnlyList<CanaryRecord> canaries)
    {
        Dictionary<(string Epoch, string Topic), long> counts = [];
        Dictionary<(string Epoch, string Topic), int> recipients = [];
        foreach (AccountIssuance account in accounts.DistinctBy(a => a.AccountId, StringComparer.Ordinal))
        {
            foreach (KeyValuePair<(string Epoch, string Topic), long> pair in account.CanaryTopics)
            {
                counts[pair.Key] = counts.GetValueOrDefault(pair.Key) + pair.Value;
                recipients[pair.Key] = recipients.GetValueOrDefault(pair.Key) + 1;
            }
        }

        if (counts.Count == 0)
        {
            return [];
        }

        List<IssuedCanary> issued = [];
        foreach (CanaryRecord record in canaries)
        {
            if (counts.TryGetValue((record.Epoch, record.Topic), out long n) && n > 0 && record.TopicWords.Count > 0)
            {
                issued.Add(new IssuedCanary(record, n, recipients.GetValueOrDefault((record.Epoch, record.Topic))));
            }
        }

        // A stable order, so the seeded draw does not depend on storage enumeration order.
        issued.Sort((a, b) => (string.CompareOrdinal(a.Record.Epoch, b.Record.Epoch), string.CompareOrdinal(a.Record.Topic, b.Record.Topic)) switch
        {
            (0, int t) => t,
            (int e, _) => e,
        });
        return issued;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issued canaries could not be read; this run sends open prompts only.")]
    private static partial void LogIssuedCanariesUnavailable(ILogger logger, Exception exception);

    /// <summary>The issuance of the accounts of the largest flagged clusters (the ones the scoring tests as clusters).</summary>
    private async Task<IEnumerable<AccountIssuance>> ClusterAccountsAsync(IReadOnlyList<AccountIssuance> accounts, DetectionOptions detection, CancellationToken cancellationToken)
    {
        if (_monitor is null || await _monitor.GetLatestAsync(cancellationToken).ConfigureAwait(false) is not { } latest)
        {
            return [];
        }

        HashSet<string> members = [.. latest.Clusters
            .Where(c => c.Flagged)
            .OrderByDescending(c => c.Requests)
            .ThenBy(c => c.Cluster, StringComparer.Ordinal)
            .Take(detection.AttributionMaximumClusters)
            .SelectMany(c => c.Accounts)];
        return accounts.Where(a => members.Contains(a.AccountId) && a.MarkedResponses > 0);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prompt samples could not be read; this run sends no replay prompts.")]
    private static partial void LogPromptSamplesUnavailable(ILogger logger, Exception exception);

    private sealed record IssuedCanary(CanaryRecord Record, long Issued, int Recipients)
    {
        public double Weight => Issued * (Recipients == 1 ? 4.0 : 1.0);
    }
}

/// <summary>A run's plan for one competitor.</summary>
/// <param name="Prompts">The prompts: replay prompts first, then topic prompts, then open prompts.</param>
/// <param name="IssuedCanaries">How many issued canaries the topic prompts were drawn from.</param>
/// <param name="Errors">What went wrong while planning (the plan is still usable).</param>
public sealed record ProbePlan(IReadOnlyList<ProbePrompt> Prompts, int IssuedCanaries, IReadOnlyList<string> Errors);
