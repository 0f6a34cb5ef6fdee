namespace CanaryService.Application.Operations;

/// <summary>The kinds of long operation the API accepts.</summary>
public static class OperationKinds
{
    /// <summary>A probe run (<c>POST /api/probes/run</c>); parameters <c>competitor</c> and <c>seed</c> when given.</summary>
    public const string ProbesRun = "probes.run";

    /// <summary>An extraction monitor run (<c>POST /api/monitor/run</c>).</summary>
    public const string MonitorRun = "monitor.run";
}
