using CanaryService.Host.Scheduling;

namespace CanaryService.Host.Tests.Scheduling;

public sealed class ProbeSchedulerTests
{
    [Theory]
    [InlineData("0 0 */6 * * *", "2026-11-22T05:59:59Z", "2026-11-22T06:00:00Z")]
    [InlineData("0 0 */6 * * *", "2026-11-22T06:00:00Z", "2026-11-22T12:00:00Z")]
    [InlineData("*/10 * * * * *", "2026-11-22T10:00:03Z", "2026-11-22T10:00:10Z")]
    [InlineData("0 30 9 * * 1-5", "2026-11-21T12:00:00Z", "2026-11-23T09:30:00Z")]
    public void The_schedule_is_read_as_six_field_NCRONTAB_with_seconds(string schedule, string after, string expected)
    {
        DateTimeOffset next = ProbeScheduler.NextOccurrence(schedule, DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
    }

    [Fact]
    public async Task A_yearly_schedule_waits_instead_of_failing()
    {
        // Regression: the scheduler waited with one Task.Delay, which throws beyond ~49.7 days, so a valid yearly
        // schedule such as "0 0 3 1 1 *" faulted the scheduler (and stopped the host).
        DateTimeOffset due = ProbeScheduler.NextOccurrence("0 0 3 1 1 *", DateTimeOffset.UtcNow.AddDays(60));
        using var stop = new CancellationTokenSource();

        Task wait = ProbeScheduler.WaitUntilAsync(due, TimeProvider.System, stop.Token);
        await Task.Delay(100);

        Assert.False(wait.IsCompleted, wait.Exception?.ToString());
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task A_due_time_in_the_past_returns_at_once()
    {
        await ProbeScheduler.WaitUntilAsync(DateTimeOffset.UtcNow.AddSeconds(-1), TimeProvider.System, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
    }
}
