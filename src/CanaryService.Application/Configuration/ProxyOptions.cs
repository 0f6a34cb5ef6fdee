namespace CanaryService.Application.Configuration;

/// <summary>
/// How the marking proxy treats requests (configuration section <c>Proxy</c>).
/// </summary>
public sealed class ProxyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Proxy";

    /// <summary>
    /// A request header, set by the front door (e.g. APIM), that names the caller's account. When it is absent
    /// from a request (or not configured), the account is <c>key-</c> plus a salted hash of the caller's API key.
    /// </summary>
    public string? AccountHeader { get; set; }

    /// <summary>
    /// A request header, set by the front door, holding the client's address (e.g. <c>X-Forwarded-For</c>). Only its
    /// prefix (IPv4 /24, IPv6 /48) is kept in the account's traffic features, to link accounts run from one network.
    /// </summary>
    public string? ClientAddressHeader { get; set; }

    /// <summary>
    /// Whether each answered request's traffic features (volume, prompt-template signatures, surfaces, client hints) are
    /// recorded for the extraction monitor. Off, the monitor has nothing to score or link. Default on.
    /// </summary>
    public bool RecordTraffic { get; set; } = true;

    /// <summary>
    /// Whether a bounded per-account sample of the prompts behind marked answers is kept for replay probing. Off, no
    /// prompt text is retained and probes ask open prompts only. Default on.
    /// </summary>
    public bool SamplePrompts { get; set; } = true;

    /// <summary>The largest chat-completion request body accepted; larger requests get an OpenAI-shaped 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// The largest non-streaming answer that is rewritten; a larger one is passed through unmarked rather than
    /// held in memory.
    /// </summary>
    public int MaxRewrittenResponseBytes { get; set; } = 8 * 1024 * 1024;
}
