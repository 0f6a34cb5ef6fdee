using CanaryService.Core.Evidence;
using CanaryService.Core.Probing;
using CanaryService.Testing.InMemory;

namespace CanaryService.Storage.Tests.Evidence;

public sealed class InMemoryEvidenceLedgerTests : EvidenceLedgerContract
{
    protected override Task<(IEvidenceLedger Ledger, ITranscriptStore Transcripts)> CreateAsync()
    {
        var transcripts = new InMemoryTranscriptStore();
        return Task.FromResult<(IEvidenceLedger, ITranscriptStore)>((new InMemoryEvidenceLedger(transcripts), transcripts));
    }

    protected override Task ReplaceRowAsync(IEvidenceLedger ledger, EvidenceEntry row)
    {
        ((InMemoryEvidenceLedger)ledger).Replace(row);
        return Task.CompletedTask;
    }

    protected override Task DeleteRowAsync(IEvidenceLedger ledger, string competitor, long sequence)
    {
        ((InMemoryEvidenceLedger)ledger).Remove(competitor, sequence);
        return Task.CompletedTask;
    }

    protected override Task AlterTranscriptAsync(ITranscriptStore transcripts, string name, byte[] content)
    {
        ((InMemoryTranscriptStore)transcripts).Overwrite(name, content);
        return Task.CompletedTask;
    }
}
