using System.Diagnostics.Metrics;

namespace CanaryService.Application.Proxy;

/// <summary>
/// The proxy's request volume as a counter, so that no log line per request is needed for it:
/// <c>canary.proxy.requests</c> on the meter <see cref="MeterName"/>, tagged with <c>canary.surface</c> (the marked
/// surface's name, or <see cref="PassThrough"/>) and <c>canary.marked</c> (whether the answer carried a mark).
/// </summary>
public sealed class ProxyMetrics
{
    /// <summary>The meter of the marking proxy.</summary>
    public const string MeterName = "CanaryService.Proxy";

    /// <summary>The <c>canary.surface</c> of a request to any path that is not a marked surface.</summary>
    public const string PassThrough = "pass-through";

    // Boxed once: the tag values are objects, and this runs for every request.
    private static readonly object s_marked = true;
    private static readonly object s_unmarked = false;

    private readonly Counter<long> _requests;

    /// <summary>Creates the counter on a meter from <paramref name="meters"/>.</summary>
    public ProxyMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _requests = meters.Create(MeterName).CreateCounter<long>(
            "canary.proxy.requests", unit: "{request}", description: "Requests the proxy handled, by surface and whether their answer was marked.");
    }

    /// <summary>Counts one handled request.</summary>
    internal void Handled(string surface, bool marked)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new KeyValuePair<string, object?>("canary.surface", surface), new KeyValuePair<string, object?>("canary.marked", marked ? s_marked : s_unmarked));
        }
    }
}
