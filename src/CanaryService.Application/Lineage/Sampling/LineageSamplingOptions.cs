using CanaryService.Application.Configuration;

namespace CanaryService.Application.Lineage.Sampling;

/// <summary>
/// Lineage sampling on the probe timer (configuration section <c>Lineage</c>): which models are asked the lineage
/// prompts, and how many per tick.
/// </summary>
public sealed class LineageSamplingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Lineage";

    /// <summary>Whether each probe tick asks the lineage prompts [true]; off, only uploads add samples.</summary>
    public bool SamplingEnabled { get; set; } = true;

    /// <summary>
    /// The most lineage prompts each model is asked per tick [20]; a model's <c>MaxRequestsPerRun</c> (less its
    /// retry reserve) caps it further.
    /// </summary>
    public int PromptsPerRun { get; set; } = 20;

    /// <summary>
    /// The provider's own models (model ids as the upstream knows them), asked straight at <c>Upstream:BaseUrl</c>
    /// with <c>Upstream:ApiKey</c>, never through the marking proxy. Each is filed under its model id.
    /// </summary>
    public IList<string> OwnModels { get; } = [];

    /// <summary>
    /// The path of the OpenAI-compatible API under <c>Upstream:BaseUrl</c> [v1]: OpenAI serves it at <c>/v1</c>,
    /// Azure OpenAI's v1 API at <c>/openai/v1</c>.
    /// </summary>
    public string OwnModelPath { get; set; } = "v1";

    /// <summary>Reference models (known families the others are compared with), configured like competitors.</summary>
    public IList<CompetitorOptions> References { get; } = [];
}
