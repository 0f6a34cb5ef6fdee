namespace CanaryService.Storage;

/// <summary>
/// Where and how the service stores its registry, issuance log, probe runs, evidence and transcripts
/// (configuration section <c>Storage</c>).
/// </summary>
/// <remarks>
/// Either <see cref="ConnectionString"/> (Azurite, or a storage account key locally) or the service URIs
/// with an identity (<c>DefaultAzureCredential</c>: managed identity in Azure, developer sign-in locally).
/// When both are set, the connection string wins.
/// </remarks>
public sealed class StorageOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Storage";

    /// <summary>A storage connection string (e.g. Azurite's). Takes precedence over the service URIs.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The Table service endpoint, used with an identity when no connection string is set.</summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>The Blob service endpoint, used with an identity when no connection string is set.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>The Queue service endpoint (optional; only the Functions probe fan-out uses queues).</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>The client id of a user-assigned managed identity; null uses the system-assigned one.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Table of topic canaries (PK epoch, RK topic).</summary>
    public string RegistryTable { get; set; } = "CanaryRegistry";

    /// <summary>Table of issuance totals (PK account, RK day or day|epoch|topic).</summary>
    public string IssuanceTable { get; set; } = "Issuance";

    /// <summary>Table of probe runs (PK competitor, RK inverted start time).</summary>
    public string ProbeRunsTable { get; set; } = "ProbeRuns";

    /// <summary>Table of long operations' records (PK operation id), polled at <c>GET /api/operations/{id}</c>.</summary>
    public string OperationsTable { get; set; } = "Operations";

    /// <summary>Table of the hash-chained evidence ledger (PK competitor, RK sequence).</summary>
    public string EvidenceTable { get; set; } = "Evidence";

    /// <summary>Table of per-account prompt samples (PK account, RK window|priority).</summary>
    public string PromptSampleTable { get; set; } = "PromptSamples";

    /// <summary>Blob container of transcripts, named by the SHA-256 of their content.</summary>
    public string TranscriptContainer { get; set; } = "probes";

    /// <summary>
    /// How many issuance events may wait in memory for the background writer. Past it, <c>Record</c> drops the
    /// event, logs an error and counts it (metric <c>canary.issuance.dropped</c>).
    /// </summary>
    public int IssuanceQueueCapacity { get; set; } = 100_000;

    /// <summary>How long the writer gathers events before a write, so they aggregate into few rows.</summary>
    public TimeSpan IssuanceFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many partitions (accounts) the writer writes at once.</summary>
    public int IssuanceWriteConcurrency { get; set; } = 4;

    /// <summary>How long the writer keeps trying to write what is queued when the host shuts down.</summary>
    public TimeSpan IssuanceShutdownTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>First delay before retrying a failed background write (doubles up to <see cref="RetryMaxDelay"/>).</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest delay between retries of a failed background write.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest wait for a registry write on the request path (the proxy awaits it before a canary is emitted;
    /// past it the response simply carries no canary).
    /// </summary>
    public TimeSpan RegistryWriteTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The most prompts kept per account and window: a uniform sample of the distinct prompts behind the account's
    /// marked answers in that window, however many there were.
    /// </summary>
    public int PromptSamplesPerWindow { get; set; } = 300;

    /// <summary>The length of a sampling window (windows are aligned to the Unix epoch, so a day is a UTC day).</summary>
    public TimeSpan PromptSampleWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long a window's prompts are kept: older windows are ignored by every read and deleted in the background.</summary>
    public TimeSpan PromptSampleRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How many prompts may wait in memory for the background writer. Past it, <c>Record</c> drops the prompt and
    /// counts it (metric <c>canary.prompt_samples.dropped</c>).
    /// </summary>
    public int PromptSampleQueueCapacity { get; set; } = 10_000;

    /// <summary>Prompts longer than this (characters) are not sampled: pasted documents make costly, poor replays.</summary>
    public int PromptSampleMaxPromptChars { get; set; } = 4_000;

    /// <summary>How long the prompt writer gathers prompts before a write.</summary>
    public TimeSpan PromptSampleFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Table of per-account traffic features and profiles (PK account, RK day|instance, or <c>profile</c>).</summary>
    public string TrafficTable { get; set; } = "AccountTraffic";

    /// <summary>Table of the extraction monitor's latest results (PK <c>account</c>, <c>cluster</c> or <c>run</c>).</summary>
    public string CampaignTable { get; set; } = "Campaigns";

    /// <summary>Requests waiting to be reduced into traffic features; when full, new ones are dropped (counted and logged), never waited for.</summary>
    public int TrafficQueueCapacity { get; set; } = 100_000;

    /// <summary>How often the traffic features of the accounts seen are written.</summary>
    public TimeSpan TrafficFlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long daily traffic features are kept (profiles stay).</summary>
    public TimeSpan TrafficRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Table of the phrase canaries stored answers carried when created (PK creation month, RK response id).</summary>
    public string StoredCanaryTable { get; set; } = "StoredCanaries";

    /// <summary>
    /// How long an answer's canary is kept for fetches of the stored answer: at least as long as the provider keeps
    /// stored answers (OpenAI: 30 days). Older months are deleted in the background.
    /// </summary>
    public TimeSpan StoredCanaryRetention { get; set; } = TimeSpan.FromDays(31);

    /// <summary>How many entries may wait in memory for the writer; past it <c>Record</c> drops one (counted and logged).</summary>
    public int StoredCanaryQueueCapacity { get; set; } = 100_000;

    /// <summary>
    /// Longest wait for the lookup on a fetch of a stored answer (it runs while the upstream answers); past it the
    /// fetched copy carries no canary.
    /// </summary>
    public TimeSpan StoredCanaryReadTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
