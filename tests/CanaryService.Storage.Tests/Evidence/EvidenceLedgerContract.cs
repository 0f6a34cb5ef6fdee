using CanaryService.Core.Evidence;
using CanaryService.Core.Probing;
using CanaryService.Storage.Tests.Transcripts;

namespace CanaryService.Storage.Tests.Evidence;

/// <summary>What every <see cref="IEvidenceLedger"/> does, run against the table and against the in-memory fake.</summary>
public abstract class EvidenceLedgerContract
{
    /// <summary>A new, empty ledger and the transcript store it verifies against.</summary>
    protected abstract Task<(IEvidenceLedger Ledger, ITranscriptStore Transcripts)> CreateAsync();

    /// <summary>Overwrites the stored row at <paramref name="row"/>'s competitor and sequence behind the ledger's back, hash included.</summary>
    protected abstract Task ReplaceRowAsync(IEvidenceLedger ledger, EvidenceEntry row);

    /// <summary>Deletes a stored row behind the ledger's back.</summary>
    protected abstract Task DeleteRowAsync(IEvidenceLedger ledger, string competitor, long sequence);

    /// <summary>Replaces a transcript's stored bytes behind the store's back.</summary>
    protected abstract Task AlterTranscriptAsync(ITranscriptStore transcripts, string name, byte[] content);

    internal static EvidenceDraft Draft(string competitor, int run, string? transcript = null, double p = 1.234e-9) => new(
        competitor, $"run-{run}", "lexical", "global", 1000 + run, 400 + run, p, 1 / p, p < 1e-6 ? "distilled" : "not-detected",
        run % 2 == 0 ? "key-abc" : null, transcript, new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567 + run));

    [Fact]
    public async Task Appended_rows_form_one_chain_per_competitor_and_read_back_exactly()
    {
        var (ledger, store) = await CreateAsync();
        string transcript = await store.PutAsync(TranscriptStoreContract.Sample());

        IReadOnlyList<EvidenceEntry> first = await ledger.AppendAsync([Draft("rival", 1, transcript, 5e-324), Draft("other#1", 1), Draft("rival", 2, transcript, 0.1 + 0.2)]);
        IReadOnlyList<EvidenceEntry> second = await ledger.AppendAsync([Draft("rival", 3, p: double.Epsilon * 3)]);

        Assert.Equal([1L, 2L, 1L], first.Select(e => e.Sequence));
        Assert.Equal(["rival", "rival", "other#1"], first.Select(e => e.Draft.Competitor));
        EvidenceEntry third = Assert.Single(second);
        Assert.Equal(3, third.Sequence);
        Assert.Equal(first[1].Hash, third.PrevHash);
        Assert.Equal(EvidenceChain.GenesisHash, first[0].PrevHash);
        Assert.Equal(EvidenceChain.Link(Draft("rival", 1, transcript, 5e-324), 1, EvidenceChain.GenesisHash).Hash, first[0].Hash);

        List<EvidenceEntry> chain = await ledger.ReadAsync("rival").ToListAsync();
        Assert.Equal([first[0], first[1], third], chain);
        Assert.Equal(5e-324, chain[0].Draft.PValue);
        Assert.Equal(0.1 + 0.2, chain[1].Draft.PValue);
        Assert.Equal(["other#1", "rival"], await ledger.ListCompetitorsAsync());
        Assert.Empty(await ledger.ReadAsync("nobody").ToListAsync());

        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.True(verification.IsValid, verification.Reason);
        Assert.Equal(4, verification.RowsChecked);
    }

    [Fact]
    public async Task An_empty_ledger_lists_no_competitor_and_verifies()
    {
        var (ledger, _) = await CreateAsync();

        Assert.Empty(await ledger.ListCompetitorsAsync());
        Assert.Equal(new LedgerVerification(true, 0, null, null), await ledger.VerifyAsync());
    }

    [Fact]
    public async Task A_cluster_attribution_reads_back_with_its_accounts_and_is_part_of_the_chain()
    {
        var (ledger, _) = await CreateAsync();
        string[] accounts = [.. Enumerable.Range(0, 2000).Select(i => $"key-{i:x32}")]; // more than one table property holds
        await ledger.AppendAsync([Draft("rival", 1), Draft("rival", 2) with { KeyId = "cluster:cluster-abc", AttributedCluster = "cluster-abc", ClusterAccounts = accounts }]);

        List<EvidenceEntry> chain = await ledger.ReadAsync("rival").ToListAsync();
        Assert.Null(chain[0].Draft.AttributedCluster);
        Assert.Null(chain[0].Draft.ClusterAccounts);
        Assert.Equal("cluster-abc", chain[1].Draft.AttributedCluster);
        Assert.Equal(accounts, chain[1].Draft.ClusterAccounts);
        Assert.True((await ledger.VerifyAsync()).IsValid);

        // The accounts are hashed into the row: dropping one is an edit.
        await ReplaceRowAsync(ledger, chain[1] with { Draft = chain[1].Draft with { ClusterAccounts = accounts[1..] } });
        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.False(verification.IsValid);
        Assert.Equal("rival/2", verification.FirstBroken);
    }

    [Fact]
    public async Task An_edited_row_is_named_with_the_reason()
    {
        var (ledger, _) = await CreateAsync();
        IReadOnlyList<EvidenceEntry> entries = await ledger.AppendAsync([.. Enumerable.Range(1, 5).Select(i => Draft("rival", i))]);

        await ReplaceRowAsync(ledger, entries[2] with { Draft = entries[2].Draft with { Matches = 999 } });

        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.False(verification.IsValid);
        Assert.Equal("rival/3", verification.FirstBroken);
        Assert.Equal(3, verification.RowsChecked);
        Assert.Contains("edited", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rehashed_edit_breaks_the_next_link_and_a_deleted_row_is_named()
    {
        var (ledger, _) = await CreateAsync();
        IReadOnlyList<EvidenceEntry> entries = await ledger.AppendAsync([.. Enumerable.Range(1, 4).Select(i => Draft("rival", i))]);

        // A forger who also recomputes the edited row's own hash still breaks the link from the row after it.
        await ReplaceRowAsync(ledger, EvidenceChain.Link(entries[1].Draft with { Verdict = "not-detected" }, 2, entries[0].Hash));
        LedgerVerification linkBroken = await ledger.VerifyAsync();
        Assert.False(linkBroken.IsValid);
        Assert.Equal("rival/3", linkBroken.FirstBroken);
        Assert.Contains("PrevHash", linkBroken.Reason, StringComparison.Ordinal);

        await DeleteRowAsync(ledger, "rival", 1);
        LedgerVerification gap = await ledger.VerifyAsync();
        Assert.False(gap.IsValid);
        Assert.Equal("rival/1", gap.FirstBroken);
        Assert.Contains("missing", gap.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_overwritten_or_missing_transcript_is_named()
    {
        var (ledger, store) = await CreateAsync();
        string transcript = await store.PutAsync(TranscriptStoreContract.Sample());
        await ledger.AppendAsync([Draft("rival", 1, transcript), Draft("rival", 2, transcript)]);
        Assert.True((await ledger.VerifyAsync()).IsValid);

        await AlterTranscriptAsync(store, transcript, "{\"transcript\":1}\n"u8.ToArray());

        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.False(verification.IsValid);
        Assert.Equal("transcript/" + transcript, verification.FirstBroken);
        Assert.Contains("rival/1", verification.Reason, StringComparison.Ordinal);

        var (other, _) = await CreateAsync();
        string absent = new('a', 64);
        await other.AppendAsync([Draft("rival", 1, absent)]);
        LedgerVerification missing = await other.VerifyAsync();
        Assert.Equal("transcript/" + absent, missing.FirstBroken);
        Assert.Contains("missing", missing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_appends_to_one_ledger_make_one_valid_chain()
    {
        var (ledger, _) = await CreateAsync();

        IReadOnlyList<EvidenceEntry>[] results = await Task.WhenAll(Enumerable.Range(0, 4).Select(l => Task.Run(async () =>
        {
            var mine = new List<EvidenceEntry>();
            for (int i = 0; i < 5; i++)
            {
                mine.AddRange(await ledger.AppendAsync([Draft("rival", (l * 100) + i), Draft("rival", (l * 100) + i + 50)]));
            }

            return (IReadOnlyList<EvidenceEntry>)mine;
        })));

        List<EvidenceEntry> chain = await ledger.ReadAsync("rival").ToListAsync();
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), chain.Select(e => e.Sequence));
        Assert.Equal(chain.Select(e => e.Hash).Order(), results.SelectMany(r => r).Select(e => e.Hash).Order());
        LedgerVerification verification = await ledger.VerifyAsync();
        Assert.True(verification.IsValid, verification.Reason);
    }
}
