using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CanaryService.ProxyBench;

/// <summary>
/// Sends streaming chat completions (or streamed Responses API requests) one after another to a target whose upstream
/// paces its deltas, and reports the time to the response headers and to the first non-empty content delta (median, p99,
/// in milliseconds).
/// </summary>
internal static class FirstByteProbe
{
    private static readonly byte[] ChatBody = Encoding.UTF8.GetBytes("{\"model\":\"gpt-bench\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"How do I find where the time goes in a slow service?\"}]}");
    private static readonly byte[] ResponsesBody = Encoding.UTF8.GetBytes("{\"model\":\"gpt-bench\",\"stream\":true,\"input\":[{\"role\":\"user\",\"content\":\"How do I find where the time goes in a slow service?\"}]}");

    /// <summary>Measures <paramref name="count"/> requests; <paramref name="responses"/>: the Responses API's typed events instead of chat chunks.</summary>
    public static async Task<int> RunAsync(Uri url, int count, int delayMs, bool responses)
    {
        byte[] body = responses ? ResponsesBody : ChatBody;
        Func<string, bool> isContent = responses ? IsResponseContent : IsChatContent;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var headers = new List<double>(count);
        var firstContent = new List<double>(count);
        for (int i = 0; i < count + 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Authorization = new("Bearer", "sk-bench-first-byte");
            request.Headers.Add("x-bench-delta-delay-ms", delayMs.ToString(CultureInfo.InvariantCulture));
            long start = Stopwatch.GetTimestamp();
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            double headerMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            double contentMs = double.NaN;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (double.IsNaN(contentMs) && line.StartsWith("data: ", StringComparison.Ordinal) && isContent(line))
                {
                    contentMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }

            if (i >= 5) // the first few warm the connection and the JIT
            {
                headers.Add(headerMs);
                firstContent.Add(contentMs);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"headers_ms median={Percentile(headers, 0.5):F2} p99={Percentile(headers, 0.99):F2} first_content_ms median={Percentile(firstContent, 0.5):F2} p99={Percentile(firstContent, 0.99):F2} n={count} delta_delay_ms={delayMs}"));
        return 0;
    }

    private static bool IsChatContent(string data) =>
        data.Contains("\"content\":\"", StringComparison.Ordinal) && !data.Contains("\"content\":\"\"", StringComparison.Ordinal);

    private static bool IsResponseContent(string data) =>
        data.Contains("\"type\":\"response.output_text.delta\"", StringComparison.Ordinal)
        && data.Contains("\"delta\":\"", StringComparison.Ordinal) && !data.Contains("\"delta\":\"\"", StringComparison.Ordinal);

    private static double Percentile(List<double> values, double p)
    {
        double[] sorted = [.. values.Order()];
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
