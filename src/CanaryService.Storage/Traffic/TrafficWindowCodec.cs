using System.Text.Json;
using Azure.Data.Tables;
using CanaryService.Core.Campaigns;
using CanaryService.Storage.Tables;

namespace CanaryService.Storage.Traffic;

/// <summary>The sketches of a traffic window as one JSON property (a few KiB at most: every part is bounded).</summary>
internal sealed record TrafficSketches(
    long[] Surfaces,
    long[] Hours,
    ulong[] Distinct,
    ulong[] TemplateKeys,
    long[] TemplateCounts,
    string[] Agents,
    long[] AgentCounts,
    string[] Prefixes,
    long[] PrefixCounts);

/// <summary>Writes an <see cref="AccountTrafficWindow"/> into a table row and reads it back.</summary>
internal static class TrafficWindowCodec
{
    public static TableEntity ToEntity(AccountTrafficWindow window, string partitionKey, string rowKey)
    {
        var sketches = new TrafficSketches(
            [.. window.SurfaceCounts],
            [.. window.Hours],
            [.. window.DistinctPrompts.Values],
            [.. window.Templates.Counts.Keys],
            [.. window.Templates.Counts.Values],
            [.. window.UserAgents.Counts.Keys],
            [.. window.UserAgents.Counts.Values],
            [.. window.AddressPrefixes.Counts.Keys],
            [.. window.AddressPrefixes.Counts.Values]);
        return new TableEntity(partitionKey, rowKey)
        {
            ["Account"] = window.AccountId,
            ["Requests"] = window.Requests,
            ["OutputWords"] = window.OutputWords,
            ["ReasoningPrompts"] = window.ReasoningPrompts,
            ["SingleTurn"] = window.SingleTurn,
            ["FirstAt"] = window.FirstAt,
            ["LastAt"] = window.LastAt,
            ["KeyHint"] = window.KeyHint,
            ["Sketches"] = JsonSerializer.Serialize(sketches, StorageJsonContext.Default.TrafficSketches),
        };
    }

    /// <summary>The window a row holds, or null when the row is not one (or is damaged).</summary>
    public static AccountTrafficWindow? FromEntity(TableEntity entity)
    {
        if (entity.GetString("Account") is not { Length: > 0 } account || entity.GetString("Sketches") is not { } json)
        {
            return null;
        }

        TrafficSketches? sketches;
        try
        {
            sketches = JsonSerializer.Deserialize(json, StorageJsonContext.Default.TrafficSketches);
        }
        catch (JsonException)
        {
            return null;
        }

        if (sketches is null)
        {
            return null;
        }

        var window = new AccountTrafficWindow(account);
        window.Restore(entity.GetInt64("Requests") ?? 0, entity.GetInt64("OutputWords") ?? 0, entity.GetInt64("ReasoningPrompts") ?? 0,
            entity.GetInt64("SingleTurn") ?? 0, sketches.Surfaces, sketches.Hours);
        window.DistinctPrompts.Merge(sketches.Distinct);
        window.Templates.Merge(Zip(sketches.TemplateKeys, sketches.TemplateCounts));
        window.UserAgents.Merge(Zip(sketches.Agents, sketches.AgentCounts));
        window.AddressPrefixes.Merge(Zip(sketches.Prefixes, sketches.PrefixCounts));
        if (entity.GetDateTimeOffset("FirstAt") is { } first && entity.GetDateTimeOffset("LastAt") is { } last)
        {
            window.Seen(first, last, entity.GetString("KeyHint"));
        }

        return window;
    }

    private static Dictionary<TKey, long> Zip<TKey>(TKey[] keys, long[] counts) where TKey : notnull
    {
        Dictionary<TKey, long> pairs = [];
        for (int i = 0; i < Math.Min(keys.Length, counts.Length); i++)
        {
            pairs[keys[i]] = counts[i];
        }

        return pairs;
    }
}
