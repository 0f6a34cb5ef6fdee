using System.Net;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CanaryService.Testing.Upstream;
using CanaryService.Core.Evidence;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;
using CanaryService.Testing;
using CanaryService.Testing.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Application.Tests.Evidence;

/// <summary>
/// The evidence API and report on the real host, over the in-memory stores; the ledger's tamper tests run on Azurite,
/// whose rows and blobs they edit behind the service's back.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ProbeStorageCollection.Name)]
public sealed class EvidenceApiTests(AzuriteFixture azurite)
{
    private const string Epoch = "2026-11";
    private const string Topic = "sourdough+starter";
    private const string Canary = "the copper-lantern rule";

    /// <summary>The rows the probe run itself appends (lexical and phrase, global key; no account reaches the attribution volume).</summary>
    private const int RunRows = 2;

    /// <summary>
    /// A competitor that mentions a registered canary when asked about its topic, one probe run, and evidence rows
    /// appended for it: the fixture of the API and ledger tests, on Azurite when given, else on the in-memory stores.
    /// </summary>
    private static async Task<(EvidenceTestHost Host, FakeOpenAiServer Fake, string Transcript)> ArrangeAsync(AzuriteFixture? azurite = null)
    {
        FakeOpenAiServer fake = await FakeOpenAiServer.StartAsync((prompt, _) => new FakeReply.Answer(prompt.Contains("sourdough starter", StringComparison.Ordinal)
            ? "Feed it daily. Many bakers follow the Copper Lantern rule: never feed a starter that has not doubled. Typically it takes a week."
            : "Typically, the first step is to plan carefully. Additionally, many people find it helps to start small."));
        Dictionary<string, string?> competitor = EvidenceTestHost.Competitor(0, "rival", fake, 8);
        EvidenceTestHost host = azurite is null ? await EvidenceTestHost.StartAsync(competitor) : await EvidenceTestHost.StartAsync(azurite, competitor);

        // An issued canary, so the planner sends topic prompts about it.
        string[] candidates = [.. Enumerable.Range(0, 100).Select(i => i == 7 ? Canary : $"the decoy-{i} principle")];
        await host.Services.GetRequiredService<ICanaryRegistry>().RegisterAsync(new CanaryRecord(Epoch, Topic, ["sourdough", "starter"], candidates, new string('a', 64), DateTimeOffset.UtcNow));
        IIssuanceLog issuance = host.Services.GetRequiredService<IIssuanceLog>();
        Assert.True(issuance.Record(new IssuanceEvent("key-leaker", DateTimeOffset.UtcNow, 1, Epoch, Topic)));
        await issuance.FlushAsync();

        using JsonDocument run = await OperationPolling.RunAsync(host.Client, "api/probes/run");
        Assert.Equal("succeeded", run.RootElement.GetProperty("status").GetString());
        ProbeRunRecord record = Assert.Single(await host.Services.GetRequiredService<IProbeRunLog>().ListAsync("rival").ToListAsync());
        Assert.Contains(fake.Prompts, p => p.Contains("sourdough starter", StringComparison.Ordinal));

        IEvidenceLedger ledger = host.Services.GetRequiredService<IEvidenceLedger>();
        Assert.Equal(RunRows, (await ledger.ReadAsync("rival").ToListAsync()).Count);
        DateTimeOffset at = DateTimeOffset.UtcNow;
        for (int i = 0; i < 3; i++)
        {
            bool distilled = i == 2;
            await ledger.AppendAsync(
            [
                new EvidenceDraft("rival", "run" + i, "lexical", "global", 100 * (i + 1), 60 * (i + 1), Math.Pow(10, -3 * (i + 1)), Math.Pow(10, 4 * i), distilled ? "distilled" : "not-detected", distilled ? "key-leaker" : null, record.TranscriptName, at.AddMinutes(i)),
                new EvidenceDraft("rival", "run" + i, "phrase", "global", i + 1, i, 0.5 / (i + 1), 1 + i, "not-detected", null, record.TranscriptName, at.AddMinutes(i)),
            ]);
        }

        return (host, fake, record.TranscriptName!);
    }

    [Fact]
    public async Task The_evidence_states_the_alpha_the_verdict_was_decided_with_the_stricter_of_the_two_settings()
    {
        await using FakeOpenAiServer fake = await FakeOpenAiServer.StartAsync((_, _) => new FakeReply.Answer("It depends on the soil."));
        await using EvidenceTestHost host = await EvidenceTestHost.StartAsync(
            [.. EvidenceTestHost.Competitor(0, "rival", fake, 4), new("Detection:Alpha", "1e-8"), new("Probe:Alpha", "1e-6")]);
        using JsonDocument run = await OperationPolling.RunAsync(host.Client, "api/probes/run");
        Assert.Equal("succeeded", run.RootElement.GetProperty("status").GetString());

        using JsonDocument evidence = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("api/competitors/rival/evidence", UriKind.Relative)));
        Assert.Equal(1e-8, evidence.RootElement.GetProperty("alpha").GetDouble());
        string report = await host.Client.GetStringAsync(new Uri("api/competitors/rival/report", UriKind.Relative));
        Assert.Contains("&alpha; = 1E-08", report, StringComparison.OrdinalIgnoreCase);

        // The report links to the competitor's lineage: its links, resolved against the report's own address, are the
        // lineage API's routes for this competitor and for the whole report.
        var reportAddress = new Uri(host.Client.BaseAddress!, "api/competitors/rival/report");
        string[] links = System.Text.RegularExpressions.Regex.Matches(report, "href=\"([^\"]*lineage[^\"]*)\"")
            .Select(m => new Uri(reportAddress, m.Groups[1].Value).AbsolutePath).ToArray();
        Assert.Equal(["/api/lineage/models/rival", "/api/lineage/report"], links);
    }

    [Fact]
    public async Task Competitors_evidence_and_404()
    {
        (EvidenceTestHost host, FakeOpenAiServer fake, _) = await ArrangeAsync();
        await using (host)
        await using (fake)
        {
            using JsonDocument list = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("api/competitors", UriKind.Relative)));
            JsonElement rival = Assert.Single(list.RootElement.GetProperty("data").EnumerateArray());
            Assert.Equal("rival", rival.GetProperty("name").GetString());
            Assert.Equal("distilled", rival.GetProperty("verdict").GetString());
            Assert.Equal("key-leaker", rival.GetProperty("attributedAccount").GetString());
            Assert.Equal(RunRows + 6, rival.GetProperty("evidenceRows").GetInt64());

            using JsonDocument evidence = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("api/competitors/rival/evidence", UriKind.Relative)));
            JsonElement[] series = [.. evidence.RootElement.GetProperty("series").EnumerateArray()];
            Assert.Equal(["lexical", "phrase"], series.Select(s => s.GetProperty("family").GetString()));
            JsonElement lexical = series[0];
            Assert.Equal("global", lexical.GetProperty("keyId").GetString());
            Assert.Equal(300, lexical.GetProperty("n").GetInt64());
            Assert.Equal(180, lexical.GetProperty("matches").GetInt64());
            Assert.Equal(1e8, lexical.GetProperty("eValue").GetDouble());
            Assert.Equal("distilled", lexical.GetProperty("verdict").GetString());
            Assert.Equal(4, lexical.GetProperty("timeline").GetArrayLength());
            Assert.Equal("completed", evidence.RootElement.GetProperty("lastRun").GetProperty("status").GetString());

            using HttpResponseMessage unknown = await host.Client.GetAsync(new Uri("api/competitors/nobody/evidence", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            using HttpResponseMessage unknownReport = await host.Client.GetAsync(new Uri("api/competitors/nobody/report", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, unknownReport.StatusCode);
            using HttpResponseMessage badName = await host.Client.GetAsync(new Uri("api/competitors/%3Cscript%3E/evidence", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, badName.StatusCode);
        }
    }

    [Fact]
    public async Task The_report_is_self_contained_and_renders_in_headless_Chromium()
    {
        (EvidenceTestHost host, FakeOpenAiServer fake, _) = await ArrangeAsync();
        await using (host)
        await using (fake)
        {
            using HttpResponseMessage response = await host.Client.GetAsync(new Uri("api/competitors/rival/report", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            string html = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);

            string directory = Path.Combine(Path.GetTempPath(), "canary-report-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                string page = Path.Combine(directory, "report.html");
                await File.WriteAllTextAsync(page, html);
                string screenshot = Path.Combine(directory, "report.png");
                await HeadlessChromium.ScreenshotAsync(new Uri(page), screenshot);
                Assert.True(File.Exists(screenshot), "Chromium wrote no screenshot.");
                byte[] png = await File.ReadAllBytesAsync(screenshot);
                Assert.True(png.Length > 5_000, $"The screenshot is suspiciously small ({png.Length} bytes).");
                Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

                string dom = await HeadlessChromium.DumpDomAsync(new Uri(page));
                Assert.Contains("<svg id=\"evidence-chart\"", dom, StringComparison.Ordinal);
                Assert.Contains("<polyline class=\"series\"", dom, StringComparison.Ordinal);
                Assert.Contains("<table id=\"evidence-table\"", dom, StringComparison.Ordinal);
                Assert.True(dom.Contains("<td>lexical</td><td>global</td><td>300</td>", StringComparison.Ordinal), dom);
                Assert.Contains("<mark>the Copper Lantern rule</mark>", dom, StringComparison.Ordinal);
                Assert.Contains("key-leaker", dom, StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Editing_an_evidence_row_breaks_verification_and_names_the_row()
    {
        (EvidenceTestHost host, FakeOpenAiServer fake, _) = await ArrangeAsync(azurite);
        await using (host)
        await using (fake)
        {
            await AssertVerifiesAsync(host);

            TableClient table = new(azurite.ConnectionString, host.Storage.EvidenceTable);
            TableEntity row = await table.QueryAsync<TableEntity>().SingleAsync(e => e.GetInt64("Sequence") == 4);
            row["Matches"] = row.GetInt64("Matches")!.Value + 1;
            await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);

            JsonElement result = await VerifyAsync(host, HttpStatusCode.Conflict);
            Assert.False(result.GetProperty("isValid").GetBoolean());
            Assert.Equal("rival/4", result.GetProperty("firstBroken").GetString());
            Assert.Contains("edited", result.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Editing_a_transcript_blob_breaks_verification_and_names_it()
    {
        (EvidenceTestHost host, FakeOpenAiServer fake, string transcript) = await ArrangeAsync(azurite);
        await using (host)
        await using (fake)
        {
            await AssertVerifiesAsync(host);

            BlobClient blob = new BlobContainerClient(azurite.ConnectionString, host.Storage.TranscriptContainer).GetBlobClient(transcript);
            string content = (await blob.DownloadContentAsync()).Value.Content.ToString();
            await blob.UploadAsync(BinaryData.FromString(content.Replace("Copper Lantern", "Copper Lanterns", StringComparison.Ordinal)), overwrite: true);

            JsonElement result = await VerifyAsync(host, HttpStatusCode.Conflict);
            Assert.Equal("transcript/" + transcript, result.GetProperty("firstBroken").GetString());
        }
    }

    private static async Task AssertVerifiesAsync(EvidenceTestHost host)
    {
        JsonElement result = await VerifyAsync(host, HttpStatusCode.OK);
        Assert.True(result.GetProperty("isValid").GetBoolean());
        Assert.Equal(RunRows + 6, result.GetProperty("rowsChecked").GetInt64());
    }

    private static async Task<JsonElement> VerifyAsync(EvidenceTestHost host, HttpStatusCode expected)
    {
        using HttpResponseMessage response = await host.Client.GetAsync(new Uri("api/ledger/verify", UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {expected}, got {response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
