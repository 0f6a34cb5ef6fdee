using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CanaryService.Core.Evidence;
using CanaryService.Core.Probing;
using CanaryService.Storage.Evidence;
using CanaryService.Storage.Tables;
using CanaryService.Storage.Transcripts;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Evidence;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableEvidenceLedgerTests(AzuriteFixture azurite) : EvidenceLedgerContract
{
    private readonly Dictionary<IEvidenceLedger, TableClient> _tables = [];
    private readonly Dictionary<ITranscriptStore, BlobContainerClient> _containers = [];

    protected override async Task<(IEvidenceLedger Ledger, ITranscriptStore Transcripts)> CreateAsync()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "ev");
        BlobContainerClient container = await StorageClients.NewContainerAsync(azurite.ConnectionString, "probes");
        var store = new BlobTranscriptStore(container);
        var ledger = new TableEvidenceLedger(table, store);
        _tables[ledger] = table;
        _containers[store] = container;
        return (ledger, store);
    }

    protected override async Task ReplaceRowAsync(IEvidenceLedger ledger, EvidenceEntry row)
    {
        TableClient table = _tables[ledger];
        EvidenceDraft d = row.Draft;
        TableEntity entity = (await table.GetEntityAsync<TableEntity>(TableKeys.Escape(d.Competitor), TableKeys.Sequence(row.Sequence))).Value;
        entity["RunId"] = d.RunId;
        entity["Family"] = d.Family;
        entity["KeyId"] = d.KeyId;
        entity["N"] = d.N;
        entity["Matches"] = d.Matches;
        entity["PValue"] = d.PValue.ToString("R", CultureInfo.InvariantCulture);
        entity["EValue"] = d.EValue.ToString("R", CultureInfo.InvariantCulture);
        entity["Verdict"] = d.Verdict;
        entity["AttributedAccount"] = d.AttributedAccount;
        entity["TranscriptName"] = d.TranscriptName;
        entity["RecordedAt"] = d.RecordedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        entity["PrevHash"] = row.PrevHash;
        entity["Hash"] = row.Hash;
        if (d.AttributedCluster is not null)
        {
            entity["AttributedCluster"] = d.AttributedCluster;
            LargeStringProperty.Set(entity, "ClusterAccounts", JsonSerializer.Serialize((d.ClusterAccounts ?? []).ToArray(), StorageJsonContext.Default.StringArray));
        }

        await table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Replace);
    }

    protected override Task DeleteRowAsync(IEvidenceLedger ledger, string competitor, long sequence) =>
        _tables[ledger].DeleteEntityAsync(TableKeys.Escape(competitor), TableKeys.Sequence(sequence));

    protected override Task AlterTranscriptAsync(ITranscriptStore transcripts, string name, byte[] content) =>
        _containers[transcripts].GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), overwrite: true);

    [Fact]
    public async Task A_row_edited_in_the_table_is_named_with_the_reason()
    {
        var (ledger, _) = await CreateAsync();
        await ledger.AppendAsync([.. Enumerable.Range(1, 5).Select(i => Draft("rival", i))]);

        TableClient table = _tables[ledger];
        TableEntity row = (await table.GetEntityAsync<TableEntity>("rival", "0000000000000000003")).Value;
        row["Matches"] = 999L;
        await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);

        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.Equal("rival/3", verification.FirstBroken);
        Assert.Contains("edited", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_row_that_cannot_be_read_is_named()
    {
        var (ledger, _) = await CreateAsync();
        await ledger.AppendAsync([Draft("rival", 1), Draft("rival", 2)]);

        TableClient table = _tables[ledger];
        TableEntity row = (await table.GetEntityAsync<TableEntity>("rival", "0000000000000000002")).Value;
        row["PValue"] = "not a number";
        await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);

        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.False(verification.IsValid);
        Assert.Equal("rival/2", verification.FirstBroken);
        Assert.Contains("cannot be read", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_appenders_still_make_one_valid_chain()
    {
        var (first, store) = await CreateAsync();
        TableClient table = _tables[first];
        // Separate ledger instances: no shared in-process cache, as with two service instances.
        var ledgers = Enumerable.Range(0, 4).Select(_ => new TableEvidenceLedger(table, store)).ToArray();

        IReadOnlyList<EvidenceEntry>[] results = await Task.WhenAll(ledgers.Select((ledger, l) => Task.Run(async () =>
        {
            var mine = new List<EvidenceEntry>();
            for (int i = 0; i < 6; i++)
            {
                mine.AddRange(await ledger.AppendAsync([Draft("rival", (l * 100) + i), Draft("rival", (l * 100) + i + 50)]));
            }

            return (IReadOnlyList<EvidenceEntry>)mine;
        })));

        List<EvidenceEntry> chain = await ledgers[0].ReadAsync("rival").ToListAsync();
        Assert.Equal(48, chain.Count);
        Assert.Equal(Enumerable.Range(1, 48).Select(i => (long)i), chain.Select(e => e.Sequence));
        Assert.Equal(chain.Select(e => e.Hash).Order(), results.SelectMany(r => r).Select(e => e.Hash).Order());
        LedgerVerification verification = await ledgers[0].VerifyAsync();
        Assert.True(verification.IsValid, verification.Reason);
    }
}
