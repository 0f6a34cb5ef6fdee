using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CanaryService.Drill;

/// <summary>What the drill found for one competitor (one student model).</summary>
/// <param name="Name">The competitor's configured name.</param>
/// <param name="TrainedOnMarkedData">Ground truth: whether any of its training data came through the marking proxy.</param>
/// <param name="MarkedFraction">Ground truth: the marked share of its training set (0 for the control).</param>
/// <param name="Verdict"><c>distilled</c> or <c>not-detected</c>, as the probe pipeline concluded.</param>
/// <param name="PValue">The smallest p-value over the families of the global key (the one the verdict rests on).</param>
/// <param name="EValue">The largest e-value over the families of the global key.</param>
/// <param name="AttributedAccount">The account the evidence names, or null.</param>
/// <param name="ProbeRequests">Probe requests sent to it.</param>
internal sealed record CompetitorOutcome(
    string Name,
    bool TrainedOnMarkedData,
    double MarkedFraction,
    string Verdict,
    double PValue,
    double EValue,
    string? AttributedAccount,
    int ProbeRequests)
{
    /// <summary>p-value per family (<c>lexical</c>, <c>phrase</c>) for the global key; shown in the table.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, double> FamilyPValues { get; init; } = new Dictionary<string, double>();

    /// <summary>Words in the answers it gave to the probes (the cost figures; not part of the JSON shape).</summary>
    [JsonIgnore]
    public long AnswerWords { get; init; }

    /// <summary>The tests (family/key) that say "distilled", strongest first, with their e-values (not part of the JSON shape).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> SignificantTests { get; init; } = [];

    /// <summary>Lexical occurrences scored with the global key (the lexical test's n; not part of the JSON shape).</summary>
    [JsonIgnore]
    public long LexicalOccurrences { get; init; }

    /// <summary>Canary topics the global phrase test scored (its n; not part of the JSON shape).</summary>
    [JsonIgnore]
    public long PhraseTopics { get; init; }

    /// <summary>Answers to those topics' prompts that held the topic's real canary (not part of the JSON shape).</summary>
    [JsonIgnore]
    public long PhraseMatches { get; init; }

    /// <summary>Ground truth of the campaign's student: the accounts whose answers it learnt (absent for the others).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? HarvestAccounts { get; init; }

    /// <summary>The cluster the evidence names (its pooled test is significant), or null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AttributedCluster { get; init; }

    /// <summary>With several probe runs, the standing after each (the last is this outcome); null after one run.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ProbeCheckpoint>? History { get; init; }

    /// <summary>The accounts of <see cref="AttributedCluster"/> when it was tested, or null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ClusterAccounts { get; init; }
}

/// <summary>A competitor's standing after one of several probe runs (<c>--probe-runs</c>): the cost curve of a verdict.</summary>
/// <param name="Budget">The request budget of the runs so far (each run's <c>--probe-budget</c>, its retry reserve included).</param>
/// <param name="Requests">Probe requests sent to it so far, over all runs.</param>
/// <param name="Verdict">The verdict on its whole history so far.</param>
/// <param name="LexicalPValue">The global key's lexical p-value.</param>
/// <param name="PhrasePValue">The global key's phrase p-value.</param>
/// <param name="EValue">The largest e-value of the global key.</param>
/// <param name="AttributedAccount">The account the evidence names, or null.</param>
internal sealed record ProbeCheckpoint(int Budget, int Requests, string Verdict, double LexicalPValue, double PhrasePValue, double EValue, string? AttributedAccount);

/// <summary>What the extraction monitor made of the campaign scenario's traffic.</summary>
/// <param name="BenignAccounts">Ground truth: the accounts of ordinary conversational use.</param>
/// <param name="FlaggedAccounts">The accounts the monitor flagged.</param>
/// <param name="Clusters">The clusters of linked accounts it found.</param>
/// <param name="FlaggedClusters">How many of them it flagged.</param>
internal sealed record CampaignSummary(IReadOnlyList<string> BenignAccounts, IReadOnlyList<string> FlaggedAccounts, int Clusters, int FlaggedClusters);

/// <summary>
/// The drill's machine-readable result (<c>--json PATH</c>): the distiller, each competitor's outcome, and what the
/// extraction monitor found in the campaign scenario (null when the drill ran without one).
/// </summary>
internal sealed record DrillResult(
    string DistillerAccount,
    IReadOnlyList<CompetitorOutcome> Competitors,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CampaignSummary? Campaign = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DrillResult FromJson(string json) =>
        JsonSerializer.Deserialize<DrillResult>(json, Json) ?? throw new JsonException("The drill result is empty.");

    /// <summary>The result as a fixed-width table for the console.</summary>
    public string ToTable()
    {
        string[] header = ["competitor", "ground truth", "verdict", "p lexical", "p phrase", "e-value", "attributed account", "attributed cluster", "probes"];
        var rows = new List<string[]> { header };
        foreach (CompetitorOutcome c in Competitors)
        {
            rows.Add(
            [
                c.Name,
                c.HarvestAccounts is { } harvest ? string.Create(CultureInfo.InvariantCulture, $"campaign of {harvest.Count}")
                    : c.TrainedOnMarkedData ? (c.MarkedFraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + "% marked" : "control",
                c.Verdict,
                Format(c.FamilyPValues.GetValueOrDefault("lexical", double.NaN)),
                Format(c.FamilyPValues.GetValueOrDefault("phrase", double.NaN)),
                Format(c.EValue),
                c.AttributedAccount is null ? "-" : c.AttributedAccount == DistillerAccount ? c.AttributedAccount + " (distiller)" : c.AttributedAccount,
                c.AttributedCluster is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{c.AttributedCluster} ({c.ClusterAccounts?.Count ?? 0} accounts)"),
                c.ProbeRequests.ToString(CultureInfo.InvariantCulture),
            ]);
        }

        int[] widths = Enumerable.Range(0, header.Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var table = new StringBuilder();
        for (int r = 0; r < rows.Count; r++)
        {
            table.AppendJoin("  ", rows[r].Select((cell, i) => cell.PadRight(widths[i]))).Append('\n');
            if (r == 0)
            {
                table.AppendJoin("  ", widths.Select(w => new string('-', w))).Append('\n');
            }
        }

        return table.ToString();
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "-" : value.ToString(value is >= 0.001 and < 1000 ? "0.###" : "0.0e+0", CultureInfo.InvariantCulture);
}
