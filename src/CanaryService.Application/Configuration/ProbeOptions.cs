namespace CanaryService.Application.Configuration;

/// <summary>Probing of competitor models (configuration section <c>Probe</c>).</summary>
public sealed class ProbeOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Probe";

    /// <summary>When probe runs start: six-field NCRONTAB with seconds, as Azure Functions uses (daily at 03:00 UTC by default; the Bicep template and the sample settings carry the same default).</summary>
    public string Schedule { get; set; } = "0 0 3 * * *";

    /// <summary>The family-wise error rate of a "distilled" verdict (Holm across families and keys).</summary>
    public double Alpha { get; set; } = 1e-6;

    /// <summary>Optional URL that receives a JSON POST when a verdict changes.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>How many days of the issuance log the planner and attribution look at.</summary>
    public int IssuanceWindowDays { get; set; } = 90;

    /// <summary>The share of a run's prompts that ask about issued canary topics (the rest are open prose prompts).</summary>
    public double TopicPromptShare { get; set; } = 0.5;

    /// <summary>
    /// The share of a run's prompts that replay prompts attribution candidates actually asked (from their prompt
    /// samples, accounts drawn in proportion to their marked volume). Planned first; <see cref="TopicPromptShare"/>
    /// applies to the run as a whole and takes what is left. A student answers the prompts it was trained on in the
    /// words it was taught, so these carry far more of a leaked account's watermark than open prompts do.
    /// </summary>
    public double ReplayPromptShare { get; set; } = 0.3;

    /// <summary>The share of replayed prompts sent lightly reworded (a polite prefix or suffix) rather than verbatim.</summary>
    public double ReplayRewordShare { get; set; } = 0.5;

    /// <summary>Base delay of the exponential back-off between retries of one prompt.</summary>
    public double RetryBaseDelaySeconds { get; set; } = 0.5;

    /// <summary>
    /// The share of a competitor's request budget kept back for retries (at least one request when it retries at all):
    /// a run plans that many fewer prompts, so a time-out or a 5xx can be retried without the run ending partial.
    /// </summary>
    public double RetryReserveShare { get; set; } = 0.1;

    /// <summary>The competitor models to probe.</summary>
    public IList<CompetitorOptions> Competitors { get; } = [];
}

/// <summary>One competitor model reached through an OpenAI-compatible chat endpoint (<c>Probe:Competitors:{i}</c>).</summary>
public sealed class CompetitorOptions
{
    /// <summary>A stable name (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>): the ledger's partition.</summary>
    public string Name { get; set; } = "";

    /// <summary>The OpenAI-compatible base URL, e.g. <c>https://api.example.com/v1</c>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The model name sent with each request.</summary>
    public string Model { get; set; } = "";

    /// <summary>The API key of our account with the competitor (from Key Vault or user secrets; never logged).</summary>
    public string? ApiKey { get; set; }

    /// <summary>The hard cap on HTTP requests per run, every retry included.</summary>
    public int MaxRequestsPerRun { get; set; } = 40;

    /// <summary>How many requests may be in flight at once.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>How many requests may start per minute.</summary>
    public int RequestsPerMinute { get; set; } = 60;

    /// <summary>Time-out of one request attempt.</summary>
    public double TimeoutSeconds { get; set; } = 60;

    /// <summary>Retries of one prompt after a transient failure (each retry counts against the budget).</summary>
    public int MaxRetries { get; set; } = 2;
}
