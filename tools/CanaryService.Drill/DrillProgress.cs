using System.Diagnostics;
using System.Globalization;

namespace CanaryService.Drill;

/// <summary>
/// The drill's progress lines, each stamped with the time since the start, so a newcomer sees which step is running
/// and how long each one took.
/// </summary>
internal sealed class DrillProgress(TextWriter output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Time since the drill started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    private readonly Lock _gate = new();

    /// <summary>Writes one progress line (student servers report theirs from other threads).</summary>
    public void Report(string message)
    {
        lock (_gate)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}"));
        }
    }
}
