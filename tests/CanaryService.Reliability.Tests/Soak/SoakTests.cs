using System.Globalization;
using Xunit.Abstractions;

namespace CanaryService.Reliability.Tests.Soak;

/// <summary>
/// A short soak (20 s by default) in the suite; <c>soak.sh</c> runs the same test for 10 minutes by setting
/// <c>CANARY_SOAK_SECONDS=600</c> (and writes the figures to <c>CANARY_SOAK_REPORT</c>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Mixed_traffic_at_a_steady_rate_fails_nothing_and_records_every_issuance()
    {
        double seconds = double.TryParse(Environment.GetEnvironmentVariable("CANARY_SOAK_SECONDS"), CultureInfo.InvariantCulture, out double s) ? s : 20;
        double rate = double.TryParse(Environment.GetEnvironmentVariable("CANARY_SOAK_RATE"), CultureInfo.InvariantCulture, out double r) ? r : 25;

        SoakFigures figures = await SoakRun.RunAsync(TimeSpan.FromSeconds(seconds), rate, output.WriteLine);

        output.WriteLine(figures.ToString());
        if (Environment.GetEnvironmentVariable("CANARY_SOAK_REPORT") is { Length: > 0 } report)
        {
            await File.WriteAllTextAsync(report, figures + "\n");
        }

        Assert.True(figures.Failures == 0, figures.ToString());
        Assert.Equal(figures.Requests, figures.IssuedResponses);
    }
}
