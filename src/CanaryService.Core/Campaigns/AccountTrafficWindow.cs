
namespace CanaryService.Core.Campaigns;

/// <summary>
/// One account's traffic features over a window, in bounded memory and without prompt text: counts, a distinct-prompt
/// sketch, the heaviest template signatures, user agents and address prefixes, and the hour-of-day profile.
/// Windows merge (instances, restarts, days), so the monitor reads any span as one.
/// </summary>
public sealed class AccountTrafficWindow
{
    /// <summary>Template signatures held per account.</summary>
    public const int TemplateCapacity = 16;

    /// <summary>User agents and address prefixes held per account.</summary>
    public const int HintCapacity = 4;

    /// <summary>Characters of a user agent kept.</summary>
    public const int MaxUserAgentLength = 64;

    /// <summary>An empty window of <paramref name="accountId"/>.</summary>
    public AccountTrafficWindow(string accountId)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        AccountId = accountId;
    }

    /// <summary>The account.</summary>
    public string AccountId { get; }

    /// <summary>Requests seen.</summary>
    public long Requests { get; private set; }

    /// <summary>Words of generated text returned.</summary>
    public long OutputWords { get; private set; }

    /// <summary>Requests whose prompt asks for reasoning.</summary>
    public long ReasoningPrompts { get; private set; }

    /// <summary>Requests that were a single prompt (no conversation before it).</summary>
    public long SingleTurn { get; private set; }

    /// <summary>Requests per surface flag (<see cref="TrafficSurfaces"/>: streaming, batch, reasoning traces, n &gt; 1).</summary>
    public long[] SurfaceCounts { get; } = new long[4];

    /// <summary>Requests per UTC hour of day.</summary>
    public long[] Hours { get; } = new long[24];

    /// <summary>The distinct-prompt sketch.</summary>
    public DistinctSketch DistinctPrompts { get; } = new();

    /// <summary>Prompts per template signature (the heaviest).</summary>
    public TopCounts<ulong> Templates { get; } = new(TemplateCapacity);

    /// <summary>Requests per user agent (the heaviest, truncated).</summary>
    public TopCounts<string> UserAgents { get; } = new(HintCapacity, StringComparer.Ordinal);

    /// <summary>Requests per client address prefix (the heaviest).</summary>
    public TopCounts<string> AddressPrefixes { get; } = new(HintCapacity, StringComparer.Ordinal);

    /// <summary>The first request (<see cref="DateTimeOffset.MaxValue"/> while empty).</summary>
    public DateTimeOffset FirstAt { get; private set; } = DateTimeOffset.MaxValue;

    /// <summary>The last request (<see cref="DateTimeOffset.MinValue"/> while empty).</summary>
    public DateTimeOffset LastAt { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>The hint of the account's key, when one was seen.</summary>
    public string? KeyHint { get; private set; }

    /// <summary>Adds one request reduced by <see cref="PromptShape"/>.</summary>
    public void Add(TrafficObservation observation, PromptShapeFeatures prompt)
    {
        ArgumentNullException.ThrowIfNull(observation);
        Requests++;
        OutputWords += Math.Max(0, observation.OutputWords);
        ReasoningPrompts += prompt.ReasoningEliciting ? 1 : 0;
        SingleTurn += observation.Turns <= 1 ? 1 : 0;
        for (int bit = 0; bit < SurfaceCounts.Length; bit++)
        {
            SurfaceCounts[bit] += ((int)observation.Surfaces & (1 << bit)) != 0 ? 1 : 0;
        }

        Hours[observation.At.UtcDateTime.Hour]++;
        DistinctPrompts.Add(prompt.PromptHash);
        ulong[] keys = prompt.TemplateKeys;
        for (int i = 0; i < keys.Length; i++)
        {
            // A prompt counts once per signature; the handful of keys makes a scan cheaper than a set.
            if (Array.IndexOf(keys, keys[i], 0, i) < 0)
            {
                Templates.Add(keys[i]);
            }
        }

        if (!string.IsNullOrWhiteSpace(observation.UserAgent))
        {
            string agent = observation.UserAgent.Trim();
            UserAgents.Add(agent.Length > MaxUserAgentLength ? agent[..MaxUserAgentLength] : agent);
        }

        if (ClientAddressPrefix.Of(observation.ClientAddress) is { } prefix)
        {
            AddressPrefixes.Add(prefix);
        }

        Seen(observation.At, observation.At, observation.KeyHint);
    }

    /// <summary>Adds everything <paramref name="other"/> (another window or instance of the same account) counted.</summary>
    public void Merge(AccountTrafficWindow other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Restore(other.Requests, other.OutputWords, other.ReasoningPrompts, other.SingleTurn, other.SurfaceCounts, other.Hours);
        DistinctPrompts.Merge(other.DistinctPrompts.Values);
        Templates.Merge(other.Templates.Counts);
        UserAgents.Merge(other.UserAgents.Counts);
        AddressPrefixes.Merge(other.AddressPrefixes.Counts);
        if (other.Requests > 0)
        {
            Seen(other.FirstAt, other.LastAt, other.KeyHint);
        }
    }

    /// <summary>Adds stored counters (a window read back from storage).</summary>
    public void Restore(long requests, long outputWords, long reasoningPrompts, long singleTurn, IReadOnlyList<long> surfaceCounts, IReadOnlyList<long> hours)
    {
        ArgumentNullException.ThrowIfNull(surfaceCounts);
        ArgumentNullException.ThrowIfNull(hours);
        Requests += requests;
        OutputWords += outputWords;
        ReasoningPrompts += reasoningPrompts;
        SingleTurn += singleTurn;
        for (int i = 0; i < Math.Min(SurfaceCounts.Length, surfaceCounts.Count); i++)
        {
            SurfaceCounts[i] += surfaceCounts[i];
        }

        for (int i = 0; i < Math.Min(Hours.Length, hours.Count); i++)
        {
            Hours[i] += hours[i];
        }
    }

    /// <summary>Widens the first and last seen times; keeps the newest key hint.</summary>
    public void Seen(DateTimeOffset first, DateTimeOffset last, string? keyHint)
    {
        FirstAt = first < FirstAt ? first : FirstAt;
        if (last >= LastAt)
        {
            LastAt = last;
            KeyHint = keyHint ?? KeyHint;
        }
        else
        {
            KeyHint ??= keyHint;
        }
    }
}
