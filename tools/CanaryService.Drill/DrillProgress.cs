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

    /// <summary>Writes one progress line.</summary>
    public void Report(string message) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}"));
}
