using System.Net;
using System.Text.Json;
using CanaryService.Application.Tests.Probing;
using CanaryService.Core.Evidence;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Testing;
using CanaryService.Testing.InMemory;
using CanaryService.Testing.Operations;
using CanaryService.Testing.Upstream;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Evidence;

[Trait("Category", "Integration")]
[Collection(ProbeStorageCollection.Name)]
public sealed class DistillationTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_competitor_answering_from_marked_text_is_distilled_and_attributed_one_answering_from_unmarked_text_is_not()
    {
        CanaryKeyRing keyRing = new(MasterKey.FromBase64(EvidenceTestHost.MasterKey));
        TextMarker leaked = new CanaryMarker(keyRing, new CanaryMarkerOptions(), new InMemoryCanaryRegistry(), TimeProvider.System).CreateTextMarker("key-leaker");

        // The distilled student repeats our answers as one account received them (marked); the clean one writes the
        // same teacher's text unmarked.
        await using FakeOpenAiServer distilled = await FakeOpenAiServer.StartAsync((prompt, _) => new FakeReply.Answer(leaked.Mark(TeacherProse.Answer(prompt))));
        await using FakeOpenAiServer clean = await FakeOpenAiServer.StartAsync((prompt, _) => new FakeReply.Answer(TeacherProse.Answer(prompt)));
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(azurite,
        [
            .. EvidenceTestHost.Competitor(0, "distilled", distilled, 25),
            .. EvidenceTestHost.Competitor(1, "clean", clean, 25),
            new("Detection:AttributionMinimumResponses", "100"),
        ]);

        // Two attribution candidates of equal volume: the leaker and an innocent account.
        IIssuanceLog issuance = host.Services.GetRequiredService<IIssuanceLog>();
        foreach (string account in new[] { "key-leaker", "key-innocent" })
        {
            for (int i = 0; i < 120; i++)
            {
                Assert.True(issuance.Record(new IssuanceEvent(account, DateTimeOffset.UtcNow, 1, null, null)));
            }
        }

        await issuance.FlushAsync();

        for (int run = 0; run < 3; run++)
        {
            using JsonDocument operation = await OperationPolling.RunAsync(host.Client, "api/probes/run");
            Assert.Equal("succeeded", operation.RootElement.GetProperty("status").GetString());
        }

        using JsonDocument list = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("api/competitors", UriKind.Relative)));
        Dictionary<string, JsonElement> byName = list.RootElement.GetProperty("data").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.True("distilled" == byName["distilled"].GetProperty("verdict").GetString(), byName["distilled"].ToString());
        Assert.Equal("key-leaker", byName["distilled"].GetProperty("attributedAccount").GetString());
        Assert.Equal("not-detected", byName["clean"].GetProperty("verdict").GetString());

        // Over every run, no row of the clean competitor ever said "distilled".
        List<EvidenceEntry> cleanRows = await host.Services.GetRequiredService<IEvidenceLedger>().ReadAsync("clean").ToListAsync();
        Assert.True(cleanRows.Count >= 3 * 4, $"{cleanRows.Count} rows");
        Assert.All(cleanRows, r => Assert.Equal("not-detected", r.Draft.Verdict));

        using HttpResponseMessage verify = await host.Client.GetAsync(new Uri("api/ledger/verify", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
    }
}
