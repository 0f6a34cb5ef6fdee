using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using CanaryService.Core.Evidence;
using CanaryService.Core.Probing;
using CanaryService.Storage.Tables;

namespace CanaryService.Storage.Evidence;

/// <summary>
/// The evidence ledger in Azure Tables (table <c>Evidence</c>, PK escaped competitor, RK zero-padded sequence):
/// one hash chain per competitor (<see cref="EvidenceChain"/>).
/// </summary>
/// <remarks>
/// Appends insert (never upsert) the next sequence numbers in one entity group transaction, so two appenders
/// racing for the same position cannot both win: the loser re-reads the chain's tail and links again. A retry
/// whose first attempt was in fact stored recognises its own rows by their hashes and does not append them twice.
/// p- and e-values are stored as round-trip strings so the hash recomputes bit for bit.
/// </remarks>
public sealed class TableEvidenceLedger : IEvidenceLedger
{
    private const int MaxConflicts = 100;

    private readonly TableClient _table;
    private readonly ITranscriptStore _transcripts;
    private readonly ConcurrentDictionary<string, (long Sequence, string Hash)> _tails = new(StringComparer.Ordinal);

    /// <summary>Creates the ledger over <paramref name="table"/>; <paramref name="transcripts"/> is used to verify referenced transcripts.</summary>
    public TableEvidenceLedger(TableClient table, ITranscriptStore transcripts)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(transcripts);
        _table = table;
        _transcripts = transcripts;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EvidenceEntry>> AppendAsync(IReadOnlyList<EvidenceDraft> drafts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        var appended = new List<EvidenceEntry>(drafts.Count);
        foreach (IGrouping<string, EvidenceDraft> chain in drafts.GroupBy(d => d.Competitor, StringComparer.Ordinal))
        {
            appended.AddRange(await AppendToChainAsync(chain.Key, [.. chain], cancellationToken).ConfigureAwait(false));
        }

        return appended;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<EvidenceEntry> ReadAsync(string competitor, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(competitor);
        await foreach (TableEntity entity in QueryChainAsync(competitor, null, cancellationToken).ConfigureAwait(false))
        {
            yield return ToEntry(entity);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListCompetitorsAsync(CancellationToken cancellationToken = default)
    {
        var competitors = new SortedSet<string>(StringComparer.Ordinal);
        string? lastPartition = null;
        await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(select: ["PartitionKey", "Competitor"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entity.PartitionKey != lastPartition)
            {
                lastPartition = entity.PartitionKey;
                competitors.Add(entity.GetString("Competitor") ?? entity.PartitionKey);
            }
        }

        return [.. competitors];
    }

    /// <inheritdoc />
    /// <remarks>
    /// For each chain, in order: sequences run 1, 2, 3… without a gap; each row's <c>PrevHash</c> is the previous
    /// row's <c>Hash</c>; each row's <c>Hash</c> recomputes from its content; each referenced transcript's bytes
    /// still hash to its name. The last row of a chain can be rewritten consistently by someone with write access;
    /// anchor the newest hashes elsewhere (the evidence API reports them) to cover that.
    /// </remarks>
    public async Task<LedgerVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        var verifier = new EvidenceChainVerifier(_transcripts);
        foreach (string competitor in await ListCompetitorsAsync(cancellationToken).ConfigureAwait(false))
        {
            verifier.StartChain(competitor);
            await foreach (TableEntity entity in QueryChainAsync(competitor, null, cancellationToken).ConfigureAwait(false))
            {
                verifier.NextRow();
                EvidenceEntry entry;
                try
                {
                    entry = ToEntry(entity);
                }
                catch (InvalidDataException ex)
                {
                    return verifier.Broken($"{competitor}/{entity.RowKey.TrimStart('0')}", "the row cannot be read: " + ex.Message);
                }

                if (await verifier.CheckAsync(entry, entity.PartitionKey == TableKeys.Escape(competitor), cancellationToken).ConfigureAwait(false) is { } broken)
                {
                    return broken;
                }
            }
        }

        return verifier.Verified();
    }

    private async Task<List<EvidenceEntry>> AppendToChainAsync(string competitor, EvidenceDraft[] drafts, CancellationToken cancellationToken)
    {
        var appended = new List<EvidenceEntry>(drafts.Length);
        int done = 0;
        int conflicts = 0;
        while (done < drafts.Length)
        {
            (long sequence, string hash) = await GetTailAsync(competitor, cancellationToken).ConfigureAwait(false);
            var chunk = new List<EvidenceEntry>();
            foreach (EvidenceDraft draft in drafts.Skip(done).Take(100))
            {
                EvidenceEntry entry = EvidenceChain.Link(draft, ++sequence, hash);
                hash = entry.Hash;
                chunk.Add(entry);
            }

            try
            {
                TableTransactionAction[] actions = [.. chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(e)))];
                await _table.WithTableAsync(ct => _table.SubmitTransactionAsync(actions, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                _tails.TryRemove(competitor, out _);
                if (!await IsStoredAsync(chunk[0], cancellationToken).ConfigureAwait(false))
                {
                    // Another appender took these positions: link again after its rows.
                    if (++conflicts > MaxConflicts)
                    {
                        throw;
                    }

                    continue;
                }

                // Our own earlier attempt (its answer was lost) stored exactly these rows; the transaction is atomic.
            }

            _tails[competitor] = (chunk[^1].Sequence, chunk[^1].Hash);
            appended.AddRange(chunk);
            done += chunk.Count;
        }

        return appended;
    }

    private async Task<bool> IsStoredAsync(EvidenceEntry entry, CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> row = await _table.GetEntityIfExistsAsync<TableEntity>(
            TableKeys.Escape(entry.Draft.Competitor), TableKeys.Sequence(entry.Sequence), ["Hash"], cancellationToken).ConfigureAwait(false);
        return row.HasValue && string.Equals(row.Value!.GetString("Hash"), entry.Hash, StringComparison.Ordinal);
    }

    private async Task<(long Sequence, string Hash)> GetTailAsync(string competitor, CancellationToken cancellationToken)
    {
        if (_tails.TryGetValue(competitor, out (long, string) cached))
        {
            return cached;
        }

        (long Sequence, string Hash) tail = (0, EvidenceChain.GenesisHash);
        try
        {
            await foreach (TableEntity entity in QueryChainAsync(competitor, ["RowKey", "Sequence", "Hash"], cancellationToken).ConfigureAwait(false))
            {
                tail = (entity.GetInt64("Sequence") ?? 0, entity.GetString("Hash") ?? "");
            }
        }
        catch (RequestFailedException ex) when (TableWrites.IsTableNotFound(ex))
        {
            // No table yet: an empty chain (the append creates the table).
        }

        return tail;
    }

    private AsyncPageable<TableEntity> QueryChainAsync(string competitor, IEnumerable<string>? select, CancellationToken cancellationToken) =>
        _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(competitor)}"), select: select, cancellationToken: cancellationToken);

    private static TableEntity ToEntity(EvidenceEntry entry)
    {
        EvidenceDraft d = entry.Draft;
        var entity = new TableEntity(TableKeys.Escape(d.Competitor), TableKeys.Sequence(entry.Sequence))
        {
            ["Competitor"] = d.Competitor,
            ["Sequence"] = entry.Sequence,
            ["RunId"] = d.RunId,
            ["Family"] = d.Family,
            ["KeyId"] = d.KeyId,
            ["N"] = d.N,
            ["Matches"] = d.Matches,
            ["PValue"] = d.PValue.ToString("R", CultureInfo.InvariantCulture),
            ["EValue"] = d.EValue.ToString("R", CultureInfo.InvariantCulture),
            ["Verdict"] = d.Verdict,
            ["AttributedAccount"] = d.AttributedAccount,
            ["TranscriptName"] = d.TranscriptName,
            ["RecordedAt"] = d.RecordedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["PrevHash"] = entry.PrevHash,
            ["Hash"] = entry.Hash,
        };
        if (d.AttributedCluster is not null)
        {
            entity["AttributedCluster"] = d.AttributedCluster;
            LargeStringProperty.Set(entity, "ClusterAccounts", JsonSerializer.Serialize((d.ClusterAccounts ?? []).ToArray(), StorageJsonContext.Default.StringArray));
        }

        return entity;
    }

    private static EvidenceEntry ToEntry(TableEntity entity)
    {
        try
        {
            var draft = new EvidenceDraft(
                Required(entity, "Competitor"),
                Required(entity, "RunId"),
                Required(entity, "Family"),
                Required(entity, "KeyId"),
                entity.GetInt64("N") ?? throw Missing("N"),
                entity.GetInt64("Matches") ?? throw Missing("Matches"),
                double.Parse(Required(entity, "PValue"), NumberStyles.Float, CultureInfo.InvariantCulture),
                double.Parse(Required(entity, "EValue"), NumberStyles.Float, CultureInfo.InvariantCulture),
                Required(entity, "Verdict"),
                entity.GetString("AttributedAccount"),
                entity.GetString("TranscriptName"),
                DateTimeOffset.Parse(Required(entity, "RecordedAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                entity.GetString("AttributedCluster"),
                LargeStringProperty.Get(entity, "ClusterAccounts") is { } accounts ? JsonSerializer.Deserialize(accounts, StorageJsonContext.Default.StringArray) : null);
            return new EvidenceEntry(draft, entity.GetInt64("Sequence") ?? throw Missing("Sequence"), Required(entity, "PrevHash"), Required(entity, "Hash"));
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException or JsonException)
        {
            throw new InvalidDataException($"Evidence row {entity.PartitionKey}/{entity.RowKey} is malformed: {ex.Message}", ex);
        }
    }

    private static string Required(TableEntity entity, string name) => entity.GetString(name) ?? throw Missing(name);

    private static InvalidDataException Missing(string name) => new($"property '{name}' is missing");
}
