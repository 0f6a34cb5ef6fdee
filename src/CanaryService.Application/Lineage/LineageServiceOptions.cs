namespace CanaryService.Application.Lineage;

/// <summary>The lineage API (configuration section <c>Lineage</c>; the container is <c>Lineage:Container</c>).</summary>
public sealed class LineageServiceOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Lineage";

    /// <summary>The largest upload accepted, in bytes [16 MiB]; larger bodies get 413.</summary>
    public long MaxUploadBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Bootstrap replicates behind each interval [200].</summary>
    public int BootstrapReplicates { get; set; } = 200;

    /// <summary>The bootstrap's seed.</summary>
    public int Seed { get; set; } = 20_260_101;
}
