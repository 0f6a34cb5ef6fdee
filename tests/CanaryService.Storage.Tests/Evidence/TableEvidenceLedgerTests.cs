using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CanaryService.Core.Evidence;
using CanaryService.Core.Probing;
using CanaryService.Storage.Evidence;
using CanaryService.Storage.Tests.Transcripts;
using CanaryService.Storage.Transcripts;
using CanaryService.Testing;

namespace CanaryService.Storage.Tests.Evidence;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableEvidenceLedgerTests(AzuriteFixture azurite)
{
    private static EvidenceDraft Draft(string competitor, int run, string? transcript = null, double p = 1.234e-9) => new(
        competitor, $"run-{run}", "lexical", "global", 1000 + run, 400 + run, p, 1 / p, p < 1e-6 ? "distilled" : "not-detected",
        run % 2 == 0 ? "key-abc" : null, transcript, new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567 + run));

    private async Task<(TableEvidenceLedger Ledger, TableClient Table, BlobContainerClient Container, BlobTranscriptStore Store)> NewLedgerAsync()
    {
        TableClient table = await StorageClients.NewTableAsync(azurite.ConnectionString, "ev");
        BlobContainerClient container = await StorageClients.NewContainerAsync(azurite.ConnectionString, "probes");
        var store = new BlobTranscriptStore(container);
        return (new TableEvidenceLedger(table, store), table, container, store);
    }

    [Fact]
    public async Task Appended_rows_form_one_chain_per_competitor_and_read_back_exactly()
    {
        var (ledger, _, _, store) = await NewLedgerAsync();
        string transcript = await store.PutAsync(TranscriptStoreContract.Sample());

        IReadOnlyList<EvidenceEntry> first = await ledger.AppendAsync([Draft("rival", 1, transcript, 5e-324), Draft("other#1", 1), Draft("rival", 2, transcript, 0.1 + 0.2)]);
        IReadOnlyList<EvidenceEntry> second = await ledger.AppendAsync([Draft("rival", 3, p: double.Epsilon * 3)]);

        Assert.Equal([1L, 2L, 1L], first.Select(e => e.Sequence));
        EvidenceEntry third = Assert.Single(second);
        Assert.Equal(3, third.Sequence);
        Assert.Equal(first[1].Hash, third.PrevHash);
        Assert.Equal(EvidenceChain.GenesisHash, first[0].PrevHash);

        List<EvidenceEntry> chain = await ledger.ReadAsync("rival").ToListAsync();
        Assert.Equal([first[0], first[1], third], chain);
        Assert.Equal(["other#1", "rival"], await ledger.ListCompetitorsAsync());

        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.True(verification.IsValid, verification.Reason);
        Assert.Equal(4, verification.RowsChecked);
    }

    [Fact]
    public async Task A_cluster_attribution_reads_back_with_its_accounts_and_is_part_of_the_chain()
    {
        var (ledger, table, _, _) = await NewLedgerAsync();
        string[] accounts = [.. Enumerable.Range(0, 2000).Select(i => $"key-{i:x32}")]; // more than one property holds
        await ledger.AppendAsync([Draft("rival", 1), Draft("rival", 2) with { KeyId = "cluster:cluster-abc", AttributedCluster = "cluster-abc", ClusterAccounts = accounts }]);

        List<EvidenceEntry> chain = await ledger.ReadAsync("rival").ToListAsync();
        Assert.Null(chain[0].Draft.AttributedCluster);
        Assert.Equal("cluster-abc", chain[1].Draft.AttributedCluster);
        Assert.Equal(accounts, chain[1].Draft.ClusterAccounts);
        Assert.True((await ledger.VerifyAsync()).IsValid);

        // The accounts are hashed into the row: dropping one is an edit.
        TableEntity row = (await table.GetEntityAsync<TableEntity>("rival", "0000000000000000002")).Value;
        row["ClusterAccounts"] = ((string)row["ClusterAccounts"]).Replace("\"key-00000000000000000000000000000000\",", "", StringComparison.Ordinal);
        await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);
        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.False(verification.IsValid);
        Assert.Equal("rival/2", verification.FirstBroken);
    }

    [Fact]
    public async Task An_edited_row_is_named_with_the_reason()
    {
        var (ledger, table, _, _) = await NewLedgerAsync();
        await ledger.AppendAsync([.. Enumerable.Range(1, 5).Select(i => Draft("rival", i))]);

        TableEntity row = (await table.GetEntityAsync<TableEntity>("rival", "0000000000000000003")).Value;
        row["Matches"] = 999L;
        await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);

        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.False(verification.IsValid);
        Assert.Equal("rival/3", verification.FirstBroken);
        Assert.Contains("edited", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rehashed_edit_breaks_the_next_link_and_a_deleted_row_is_named()
    {
        var (ledger, table, _, _) = await NewLedgerAsync();
        IReadOnlyList<EvidenceEntry> entries = await ledger.AppendAsync([.. Enumerable.Range(1, 4).Select(i => Draft("rival", i))]);

        // A forger who also recomputes the edited row's own hash still breaks the link from the row after it.
        EvidenceEntry forged = EvidenceChain.Link(entries[1].Draft with { Verdict = "not-detected" }, 2, entries[0].Hash);
        TableEntity row = (await table.GetEntityAsync<TableEntity>("rival", "0000000000000000002")).Value;
        row["Verdict"] = "not-detected";
        row["Hash"] = forged.Hash;
        await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);
        LedgerVerification linkBroken = await ledger.VerifyAsync();
        Assert.Equal("rival/3", linkBroken.FirstBroken);
        Assert.Contains("PrevHash", linkBroken.Reason, StringComparison.Ordinal);

        await table.DeleteEntityAsync("rival", "0000000000000000001");
        LedgerVerification gap = await ledger.VerifyAsync();
        Assert.Equal("rival/1", gap.FirstBroken);
        Assert.Contains("missing", gap.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_overwritten_transcript_is_named()
    {
        var (ledger, _, container, store) = await NewLedgerAsync();
        string transcript = await store.PutAsync(TranscriptStoreContract.Sample());
        await ledger.AppendAsync([Draft("rival", 1, transcript), Draft("rival", 2, transcript)]);
        Assert.True((await ledger.VerifyAsync()).IsValid);

        Transcript doctored = TranscriptStoreContract.Sample() with { Exchanges = [] };
        await container.GetBlobClient(transcript).UploadAsync(new BinaryData(TranscriptFormat.Serialize(doctored)), overwrite: true);

        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.False(verification.IsValid);
        Assert.Equal("transcript/" + transcript, verification.FirstBroken);
        Assert.Contains("rival/1", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_appenders_still_make_one_valid_chain()
    {
        var (_, table, _, store) = await NewLedgerAsync();
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
