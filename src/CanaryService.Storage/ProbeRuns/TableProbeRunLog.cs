using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Data.Tables;
using CanaryService.Core.Probing;
using CanaryService.Storage.Tables;

namespace CanaryService.Storage.ProbeRuns;

/// <summary>
/// The probe-run log in Azure Tables (table <c>ProbeRuns</c>, PK escaped competitor, RK inverted start ticks and
/// the run id, so a partition lists newest first).
/// </summary>
public sealed class TableProbeRunLog : IProbeRunLog
{
    /// <summary>At most this many error messages are kept per run (each cut to <see cref="MaxErrorLength"/> characters).</summary>
    public const int MaxErrors = 100;

    /// <summary>Longest error message kept.</summary>
    public const int MaxErrorLength = 1000;

    private readonly TableClient _table;

    /// <summary>Creates the log over <paramref name="table"/>.</summary>
    public TableProbeRunLog(TableClient table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
    }

    /// <inheritdoc />
    /// <remarks>Idempotent: recording the same run again replaces its row.</remarks>
    public async Task AddAsync(ProbeRunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var entity = new TableEntity(TableKeys.Escape(run.Competitor), TableKeys.InvertedTime(run.StartedAt) + "|" + TableKeys.Escape(run.RunId))
        {
            ["Competitor"] = run.Competitor,
            ["RunId"] = run.RunId,
            ["StartedAt"] = run.StartedAt,
            ["CompletedAt"] = run.CompletedAt,
            ["Status"] = run.Status.ToString(),
            ["Requests"] = run.Requests,
            ["Answers"] = run.Answers,
            ["Failures"] = run.Failures,
            ["TranscriptName"] = run.TranscriptName,
            ["ErrorCount"] = run.Errors.Count,
        };
        string[] errors = [.. run.Errors.Take(MaxErrors).Select(e => e.Length <= MaxErrorLength ? e : e[..MaxErrorLength])];
        LargeStringProperty.Set(entity, "Errors", JsonSerializer.Serialize(errors, StorageJsonContext.Default.StringArray));
        await _table.WithTableAsync(ct => _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ProbeRunRecord> ListAsync(string competitor, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(competitor);
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(competitor)}");
        await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return new ProbeRunRecord(
                entity.GetString("Competitor") ?? competitor,
                entity.GetString("RunId") ?? "",
                entity.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue,
                entity.GetDateTimeOffset("CompletedAt") ?? DateTimeOffset.MinValue,
                Enum.TryParse(entity.GetString("Status"), out ProbeRunStatus status) ? status : ProbeRunStatus.Failed,
                entity.GetInt32("Requests") ?? 0,
                entity.GetInt32("Answers") ?? 0,
                entity.GetInt32("Failures") ?? 0,
                entity.GetString("TranscriptName"),
                LargeStringProperty.Get(entity, "Errors") is { } json ? JsonSerializer.Deserialize(json, StorageJsonContext.Default.StringArray) ?? [] : []);
        }
    }
}
