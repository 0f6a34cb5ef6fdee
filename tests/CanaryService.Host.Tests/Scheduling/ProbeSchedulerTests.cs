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
}
