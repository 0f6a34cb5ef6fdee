namespace CanaryService.Application.Configuration;

/// <summary>
/// Where the proxy forwards to (configuration section <c>Upstream</c>).
/// </summary>
/// <remarks>
/// <see cref="BaseUrl"/> is the upstream origin plus any path prefix; the incoming path and query are appended
/// to it the way a reverse proxy does:
/// <list type="bullet">
/// <item>OpenAI: <c>Upstream:BaseUrl=https://api.openai.com</c>; <c>POST /v1/chat/completions</c> goes to
/// <c>https://api.openai.com/v1/chat/completions</c>.</item>
/// <item>Azure OpenAI: <c>Upstream:BaseUrl=https://contoso.openai.azure.com</c>;
/// <c>POST /openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21</c> goes to
/// <c>https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21</c>.</item>
/// <item>With a prefix: <c>Upstream:BaseUrl=https://gateway.example.com/llm</c>; <c>POST /v1/chat/completions</c>
/// goes to <c>https://gateway.example.com/llm/v1/chat/completions</c>.</item>
/// </list>
/// </remarks>
public sealed class UpstreamOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Upstream";

    /// <summary>The upstream origin plus an optional path prefix, e.g. <c>https://api.openai.com</c>.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// When set, replaces the caller's credentials (<c>Authorization: Bearer</c> on OpenAI paths, <c>api-key</c> on
    /// Azure OpenAI paths); when empty, the caller's credentials are forwarded unchanged.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How long the upstream may stay silent (no response headers, no body bytes) before the request fails with
    /// 504. A streaming answer that keeps sending is never cut off.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long connecting to the upstream may take before the request fails with 502.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
