using System.IO.Compression;
using System.Text;
using System.Text.Json;
using CanaryService.Host.Lineage;

namespace CanaryService.Host.Tests.Lineage;

/// <summary>The <c>lineage</c> command on a folder the test writes: one file per model, gzipped and plain.</summary>
public sealed class LineageCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "lineage-command-" + Guid.NewGuid().ToString("N"));

    public LineageCommandTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task It_prints_the_neighbour_table_and_writes_the_report_and_json()
    {
        var random = new Random(9);
        string[] style = [.. Enumerable.Range(0, 120).Select(i => "s" + (char)('a' + (i % 26)) + (char)('a' + (i / 26)))];
        double[] teacher = [.. style.Select(_ => Math.Exp(2 * random.NextDouble()))];
        double[] student = [.. teacher.Select(w => w * Math.Exp(random.NextDouble() - 0.5))];
        (string File, double[] Weights)[] models = [("teacher.jsonl.gz", teacher), ("student.jsonl", student), ("rival.jsonl", [.. style.Select(_ => Math.Exp(2 * random.NextDouble()))])];
        foreach ((string file, double[] weights) in models)
        {
            StringBuilder lines = new();
            for (int p = 0; p < 40; p++)
            {
                var prompt = new Random(p);
                string[] words = [.. Enumerable.Range(0, 120).Select(i => i % 2 == 0 ? "topic" + (char)('a' + prompt.Next(20)) : style[Draw(weights, random)])];
                lines.Append(JsonSerializer.Serialize(new { prompt = "prompt " + p, output = string.Join(' ', words) })).Append('\n');
            }

            byte[] bytes = Encoding.UTF8.GetBytes(lines.ToString());
            await using FileStream stream = File.Create(Path.Combine(_folder, file));
            if (file.EndsWith(".gz", StringComparison.Ordinal))
            {
                await using var gzip = new GZipStream(stream, CompressionLevel.Fastest);
                await gzip.WriteAsync(bytes);
            }
            else
            {
                await stream.WriteAsync(bytes);
            }
        }

        string report = Path.Combine(_folder, "report.html");
        string json = Path.Combine(_folder, "lineage.json");
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await LineageCommand.RunAsync(["--data", _folder, "--report", report, "--json", json, "--bootstrap", "50", "--seed", "3"], output, error, CancellationToken.None);

        Assert.True(exit == LineageCommand.Success, error.ToString());
        string printed = output.ToString();
        Assert.Contains("Read 3 models, 40 prompts", printed, StringComparison.Ordinal);
        string studentRow = printed.Split('\n').Single(l => l.StartsWith("student ", StringComparison.Ordinal));
        Assert.Matches(@"^student\s+teacher\s+\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]\s+rival", studentRow);
        Assert.Contains("<svg id=\"lineage-tree\"", await File.ReadAllTextAsync(report), StringComparison.Ordinal);
        using JsonDocument analysis = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.Equal(3, analysis.RootElement.GetProperty("pairs").GetArrayLength());
        Assert.Equal(50, analysis.RootElement.GetProperty("bootstrapReplicates").GetInt32());
    }

    [Fact]
    public async Task A_malformed_line_names_the_file_and_line_and_a_wrong_command_line_shows_the_usage()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "a.jsonl"), "{\"prompt\":\"p\",\"output\":\"o\"}\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "b.jsonl"), "{\"prompt\":\"p\",\"output\":\"o\"}\n{\"prompt\":\"q\"}\n");
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(LineageCommand.Failure, await LineageCommand.RunAsync(["--data", _folder], output, error, CancellationToken.None));
        Assert.Contains("b.jsonl, line 2: missing \"output\"", error.ToString(), StringComparison.Ordinal);

        using var usage = new StringWriter();
        Assert.Equal(LineageCommand.BadUsage, await LineageCommand.RunAsync(["--bootstrap", "many"], output, usage, CancellationToken.None));
        Assert.Contains("usage: lineage --data FOLDER", usage.ToString(), StringComparison.Ordinal);
        Assert.Equal(LineageCommand.BadUsage, await LineageCommand.RunAsync([], output, usage, CancellationToken.None));
        Assert.Equal(LineageCommand.Failure, await LineageCommand.RunAsync(["--data", Path.Combine(_folder, "missing")], output, error, CancellationToken.None));
    }

    private static int Draw(double[] weights, Random random)
    {
        double u = random.NextDouble() * weights.Sum();
        for (int i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u <= 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }
}
