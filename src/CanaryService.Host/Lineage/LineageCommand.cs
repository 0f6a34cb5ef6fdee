using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using CanaryService.Application.Lineage;
using CanaryService.Core.Lineage;

namespace CanaryService.Host.Lineage;

/// <summary>
/// <c>dotnet run --project src/CanaryService.Host -- lineage --data FOLDER [--report FILE] [--json FILE] [--bootstrap N] [--seed N]</c>:
/// the lineage fingerprint of a folder of JSON-lines files, one per model (<c>{"prompt","output"}</c> lines, gzipped or
/// not; the model is the file name without <c>.jsonl[.gz]</c>). Prints each model's nearest neighbours and writes the
/// HTML report. Exit codes: 0 done, 1 the data could not be read, 2 a wrong command line.
/// </summary>
internal static class LineageCommand
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadUsage = 2;

    public const string Usage = """
        usage: lineage --data FOLDER [--report FILE] [--json FILE] [--bootstrap N] [--seed N]
          --data FOLDER   one *.jsonl or *.jsonl.gz file per model, lines {"prompt","output"}; the file name is the model
          --report FILE   the HTML report to write (default lineage-report.html)
          --json FILE     also write the analysis as JSON (models, pairs with intervals and drivers)
          --bootstrap N   bootstrap replicates over prompts (default 200; 0 for point estimates only)
          --seed N        the bootstrap's seed (default 20260101)
        """;

    /// <summary>Runs the command on the console.</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error, CancellationToken.None);

    /// <summary>Runs the command, writing the table to <paramref name="output"/> and failures to <paramref name="error"/>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? data = null, json = null, report = "lineage-report.html";
        var options = new LineageOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string? value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "--help" or "-h":
                    await output.WriteLineAsync(Usage).ConfigureAwait(false);
                    return Success;
                case "--data" when value is not null:
                    data = value;
                    i++;
                    break;
                case "--report" when value is not null:
                    report = value;
                    i++;
                    break;
                case "--json" when value is not null:
                    json = value;
                    i++;
                    break;
                case "--bootstrap" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int replicates) && replicates <= 10_000:
                    options = options with { BootstrapReplicates = replicates };
                    i++;
                    break;
                case "--seed" when int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seed):
                    options = options with { Seed = seed };
                    i++;
                    break;
                default:
                    await error.WriteLineAsync($"lineage: unexpected or incomplete argument '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                    return BadUsage;
            }
        }

        if (data is null)
        {
            await error.WriteLineAsync("lineage: --data FOLDER is required.\n" + Usage).ConfigureAwait(false);
            return BadUsage;
        }

        Stopwatch clock = Stopwatch.StartNew();
        List<LineageSample> samples;
        try
        {
            samples = await ReadFolderAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            await error.WriteLineAsync("lineage: " + ex.Message).ConfigureAwait(false);
            return Failure;
        }

        LineageCorpus corpus = LineageCorpus.Build(samples, options);
        samples.Clear();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Read {corpus.Models.Count} models, {corpus.Prompts.Count} prompts, {corpus.Features.Count} n-gram features ({clock.Elapsed.TotalSeconds:0.0}s)")).ConfigureAwait(false);
        LineageAnalysis analysis = LineageAnalyzer.Analyze(corpus, options, cancellationToken);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Compared {analysis.Pairs.Count} pairs with {analysis.BootstrapReplicates} bootstrap replicates ({clock.Elapsed.TotalSeconds:0.0}s)")).ConfigureAwait(false);
        await output.WriteLineAsync(Table(analysis)).ConfigureAwait(false);

        try
        {
            await File.WriteAllTextAsync(report, LineageReportRenderer.Render(analysis, DateTimeOffset.UtcNow), cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync("Wrote the report to " + Path.GetFullPath(report)).ConfigureAwait(false);
            if (json is not null)
            {
                await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { analysis.BootstrapReplicates, analysis.ConfidenceLevel, analysis.Seed, analysis.Models, analysis.Pairs }, JsonOptions), cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync("Wrote the analysis to " + Path.GetFullPath(json)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("lineage: could not write the output: " + ex.Message).ConfigureAwait(false);
            return Failure;
        }

        return Success;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The nearest and second-nearest neighbour of each model, with intervals.</summary>
    internal static string Table(LineageAnalysis analysis)
    {
        int width = Math.Max(5, analysis.Models.Count == 0 ? 0 : analysis.Models.Max(m => m.Model.Length));
        StringBuilder table = new();
        table.Append(CultureInfo.InvariantCulture, $"{"model".PadRight(width)}  {"nearest".PadRight(width)}  sim   [interval]      {"second".PadRight(width)}  sim").AppendLine();
        foreach (LineageModel model in analysis.Models)
        {
            IReadOnlyList<LineageNeighbour> n = analysis.NeighboursOf(model.Model);
            table.Append(model.Model.PadRight(width)).Append("  ");
            table.Append(n.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $"{n[0].Model.PadRight(width)}  {n[0].Similarity:0.000} [{n[0].Low:0.000}, {n[0].High:0.000}]") : "(none)");
            if (n.Count > 1)
            {
                table.Append(CultureInfo.InvariantCulture, $"  {n[1].Model.PadRight(width)}  {n[1].Similarity:0.000}");
            }

            table.AppendLine();
        }

        return table.ToString();
    }

    private static async Task<List<LineageSample>> ReadFolderAsync(string folder, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            throw new IOException($"the folder '{folder}' does not exist.");
        }

        string[] files = [.. Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)];
        if (files.Length < 2)
        {
            throw new InvalidDataException($"'{folder}' holds {files.Length} *.jsonl[.gz] file(s); a lineage needs at least two models.");
        }

        List<LineageSample> samples = [];
        foreach (string file in files)
        {
            string name = Path.GetFileName(file);
            string model = name[..name.LastIndexOf(".jsonl", StringComparison.OrdinalIgnoreCase)];
            await using Stream stream = File.OpenRead(file);
            await using Stream content = file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
            using var reader = new StreamReader(content, Encoding.UTF8);
            (IReadOnlyList<LineageSample> read, LineageLineError? problem) = LineageJsonLines.Parse(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false), model);
            if (problem is not null)
            {
                throw new InvalidDataException($"{name}, line {problem.Line}: {problem.Message}.");
            }

            samples.AddRange(read);
        }

        return samples;
    }
}
