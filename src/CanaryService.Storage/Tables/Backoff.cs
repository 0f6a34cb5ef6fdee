namespace CanaryService.Storage.Tables;

/// <summary>Exponential backoff with jitter for background retries while storage is unreachable.</summary>
internal sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private TimeSpan _next;

    public Backoff(TimeSpan initial, TimeSpan max)
    {
        _initial = initial > TimeSpan.Zero ? initial : TimeSpan.FromMilliseconds(1);
        _max = max >= _initial ? max : _initial;
        _next = _initial;
    }

    /// <summary>Failures since the last <see cref="Reset"/>.</summary>
    public int Failures { get; private set; }

    /// <summary>Waits the next delay (±20% so many writers do not retry in lockstep), then doubles it.</summary>
    public Task DelayAsync(CancellationToken cancellationToken)
    {
        Failures++;
        TimeSpan delay = _next * (0.8 + (0.4 * Random.Shared.NextDouble()));
        _next = _next * 2 < _max ? _next * 2 : _max;
        return Task.Delay(delay, cancellationToken);
    }

    public void Reset()
    {
        Failures = 0;
        _next = _initial;
    }
}
