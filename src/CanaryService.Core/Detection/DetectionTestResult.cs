using CanaryService.Core.Statistics;

namespace CanaryService.Core.Detection;

/// <summary>The detection families.</summary>
public static class DetectionFamilies
{
    /// <summary>The keyed lexical watermark.</summary>
    public const string Lexical = "lexical";

    /// <summary>Canary phrasings.</summary>
    public const string Phrase = "phrase";
}

/// <summary>The verdicts written to evidence.</summary>
public static class DetectionVerdicts
{
    /// <summary>The test is significant after Holm's correction at α.</summary>
    public const string Distilled = "distilled";

    /// <summary>It is not.</summary>
    public const string NotDetected = "not-detected";
}

/// <summary>One test of an assessment: a family scored with one key over a competitor's whole history.</summary>
/// <param name="Family"><see cref="DetectionFamilies.Lexical"/> or <see cref="DetectionFamilies.Phrase"/>.</param>
/// <param name="KeyId"><c>global</c>, or <c>account:{id}</c> for an attribution test.</param>
/// <param name="N">Scored units: counted occurrences (lexical) or topics (phrase).</param>
/// <param name="Matches">Occurrences written in the keyed form (lexical), or the sum of the real candidates' counts (phrase).</param>
/// <param name="PValue">The fixed-sample p-value over the whole history (exact, or a conservative bound), reported beside the verdict.</param>
/// <param name="EValue">The anytime-valid e-value over the history in order; the verdict uses it.</param>
/// <param name="Significant">Whether Holm rejects this test at α using <c>min(1, 1/E)</c>.</param>
/// <param name="DecoyHitRate">Phrase tests: the fraction of (topic, decoy) pairs found at least once (the matcher's false-hit rate).</param>
public sealed record DetectionTestResult(
    string Family,
    string KeyId,
    long N,
    long Matches,
    TailProbability PValue,
    double EValue,
    bool Significant,
    double? DecoyHitRate = null)
{
    /// <summary><see cref="DetectionVerdicts.Distilled"/> when significant, else <see cref="DetectionVerdicts.NotDetected"/>.</summary>
    public string Verdict => Significant ? DetectionVerdicts.Distilled : DetectionVerdicts.NotDetected;

    /// <summary>The account of an attribution test, or null for the global key.</summary>
    public string? AccountId => KeyId.StartsWith(AccountKeyPrefix, StringComparison.Ordinal) ? KeyId[AccountKeyPrefix.Length..] : null;

    /// <summary>The cluster of a pooled cluster test (<c>cluster:{id}</c>), or null.</summary>
    public string? ClusterId => KeyId.StartsWith(ClusterLexicalScorer.KeyPrefix, StringComparison.Ordinal) ? KeyId[ClusterLexicalScorer.KeyPrefix.Length..] : null;

    internal const string AccountKeyPrefix = "account:";
}
