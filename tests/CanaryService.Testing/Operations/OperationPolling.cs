using System.Net;
using System.Text.Json;

namespace CanaryService.Testing.Operations;

/// <summary>
/// Starts a long operation over HTTP the way a client does: the POST must answer 202 with a <c>Location</c> and a
/// body that names it, then <c>GET</c> on that location is polled until the operation succeeds or fails.
/// </summary>
public static class OperationPolling
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>POSTs <paramref name="path"/>, checks the 202, and returns the operation's final record.</summary>
    public static async Task<JsonDocument> RunAsync(HttpClient client, string path, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        Uri location = await StartAsync(client, path);
        return await PollAsync(client, location, timeout ?? DefaultTimeout);
    }

    /// <summary>POSTs <paramref name="path"/>, checks the 202 answer, and returns the status URL.</summary>
    public static async Task<Uri> StartAsync(HttpClient client, string path)
    {
        ArgumentNullException.ThrowIfNull(client);
        using HttpResponseMessage response = await client.PostAsync(new Uri(path, UriKind.Relative), null);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST {path} answered {(int)response.StatusCode}: {body}");
        Uri location = Assert.IsType<Uri>(response.Headers.Location);
        using JsonDocument accepted = JsonDocument.Parse(body);
        string id = accepted.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("/api/operations/" + id, location.OriginalString);
        Assert.Equal(location.OriginalString, accepted.RootElement.GetProperty("statusUrl").GetString());
        Assert.Equal("queued", accepted.RootElement.GetProperty("status").GetString());
        return location;
    }

    /// <summary>Polls <paramref name="location"/> until the operation succeeds or fails; fails the test past <paramref name="timeout"/>.</summary>
    public static async Task<JsonDocument> PollAsync(HttpClient client, Uri location, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(location);
        using var deadline = new CancellationTokenSource(timeout);
        string last = "";
        while (!deadline.IsCancellationRequested)
        {
            using (HttpResponseMessage response = await client.GetAsync(new Uri(location.OriginalString.TrimStart('/'), UriKind.Relative)))
            {
                last = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {location} answered {(int)response.StatusCode}: {last}");
                JsonDocument record = JsonDocument.Parse(last);
                if (record.RootElement.GetProperty("status").GetString() is "succeeded" or "failed")
                {
                    return record;
                }

                record.Dispose();
            }

            try
            {
                await Task.Delay(Interval, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        Assert.Fail($"The operation at {location} did not end within {timeout}; last seen: {last}");
        return null!;
    }
}
