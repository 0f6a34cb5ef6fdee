using System.Globalization;
using CanaryService.Core.Issuance;
using CanaryService.Storage.Tables;

namespace CanaryService.Storage.Issuance;

/// <summary>What a batch adds to one issuance row.</summary>
internal sealed class IssuanceRowDelta(string rowKey, string account, string day, string? epoch, string? topic)
{
    public string RowKey { get; } = rowKey;

    public string Account { get; } = account;

    public string Day { get; } = day;

    /// <summary>For a canary row: the epoch; null for the account's day row.</summary>
    public string? Epoch { get; } = epoch;

    public string? Topic { get; } = topic;

    public long Responses { get; set; }

    public long MarkedChoices { get; set; }

    public long Canaries { get; set; }
}

/// <summary>
/// One entity group transaction's worth of increments (one partition, at most 100 rows). Its id is written into
/// every row it changes, so a retry after an ambiguous failure can tell whether it was already applied.
/// Sealed batches never change: new events go into later batches.
/// </summary>
internal sealed class IssuanceBatch(string partitionKey, IReadOnlyList<IssuanceRowDelta> rows)
{
    public const int MaxRows = 100;

    public string Id { get; } = Guid.NewGuid().ToString("N");

    public string PartitionKey { get; } = partitionKey;

    public IReadOnlyList<IssuanceRowDelta> Rows { get; } = rows;

    public bool IsApplied { get; set; }

    /// <summary>Aggregates events per (account, day) and per (account, day, canary) and cuts them into batches.</summary>
    public static List<IssuanceBatch> Aggregate(IEnumerable<IssuanceEvent> events)
    {
        var rows = new Dictionary<(string Partition, string Row), IssuanceRowDelta>();
        foreach (IssuanceEvent issued in events)
        {
            string partition = TableKeys.Escape(issued.AccountId);
            string day = TableKeys.Day(DateOnly.FromDateTime(issued.IssuedAt.UtcDateTime));
            bool hasCanary = issued.CanaryEpoch is not null && issued.CanaryTopic is not null;

            IssuanceRowDelta dayRow = Row(rows, partition, day, issued.AccountId, day, null, null);
            dayRow.Responses++;
            dayRow.MarkedChoices += issued.MarkedChoices;
            if (hasCanary)
            {
                dayRow.Canaries++;
                string rowKey = string.Create(CultureInfo.InvariantCulture, $"{day}|{TableKeys.Escape(issued.CanaryEpoch!)}|{TableKeys.Escape(issued.CanaryTopic!)}");
                Row(rows, partition, rowKey, issued.AccountId, day, issued.CanaryEpoch, issued.CanaryTopic).Responses++;
            }
        }

        var batches = new List<IssuanceBatch>();
        foreach (IGrouping<string, KeyValuePair<(string Partition, string Row), IssuanceRowDelta>> partition in rows.GroupBy(r => r.Key.Partition, StringComparer.Ordinal))
        {
            IssuanceRowDelta[] ordered = [.. partition.Select(r => r.Value).OrderBy(r => r.RowKey, StringComparer.Ordinal)];
            foreach (IssuanceRowDelta[] chunk in ordered.Chunk(MaxRows))
            {
                batches.Add(new IssuanceBatch(partition.Key, chunk));
            }
        }

        return batches;
    }

    private static IssuanceRowDelta Row(Dictionary<(string, string), IssuanceRowDelta> rows, string partition, string rowKey, string account, string day, string? epoch, string? topic)
    {
        if (!rows.TryGetValue((partition, rowKey), out IssuanceRowDelta? row))
        {
            row = new IssuanceRowDelta(rowKey, account, day, epoch, topic);
            rows.Add((partition, rowKey), row);
        }

        return row;
    }
}
