using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Ports;

namespace CanaryService.Core.Detection;

/// <summary>
/// Scores a competitor's whole probe history for distillation: the lexical watermark and the canary phrasings,
/// each with the global key and with the key of every candidate account, then Holm over all tests at α on the
/// e-values, and attribution to the account whose own test is significant.
/// </summary>
public sealed class DistillationAssessor
{
    private readonly CanaryKeyRing _keyRing;
    private readonly LexicalDetector _lexical;
    private readonly PhraseCanaryDetector _phrases;
    private readonly DetectionOptions _options;

    /// <summary>Creates the assessor over the shipped lexicon.</summary>
    /// <param name="keyRing">The key ring: global and account keys, the secret layer split, the phrase seeds.</param>
    /// <param name="options">α and the attribution candidates' threshold and cap; defaults when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public DistillationAssessor(CanaryKeyRing keyRing, DetectionOptions? options = null)
        : this(keyRing, CanaryLexicon.Default, options)
    {
    }

    /// <summary>Creates the assessor over <paramref name="lexicon"/>.</summary>
    public DistillationAssessor(CanaryKeyRing keyRing, CanaryLexicon lexicon, DetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        ArgumentNullException.ThrowIfNull(lexicon);
        options ??= new DetectionOptions();
        options.Validate();
        _keyRing = keyRing;
        _lexical = new LexicalDetector(lexicon, LexiconLayers.Create(lexicon, keyRing));
        _phrases = new PhraseCanaryDetector(keyRing);
        _options = options;
    }

    /// <summary>Assesses a history.</summary>
    /// <param name="history">All of the competitor's transcripts, oldest first (answers and the prompts sent).</param>
    /// <param name="canaries">Registry rows of the canary topics (those probed are used).</param>
    /// <param name="accounts">
    /// Issuance totals per account; those with at least <see cref="DetectionOptions.AttributionMinimumResponses"/> marked
    /// responses (at most <see cref="DetectionOptions.AttributionMaximumAccounts"/>, highest volume first) are tested.
    /// </param>
    public DistillationAssessment Assess(IReadOnlyList<Transcript> history, IEnumerable<CanaryRecord> canaries, IEnumerable<AccountIssuance> accounts)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(canaries);
        ArgumentNullException.ThrowIfNull(accounts);

        IReadOnlyList<LexicalContext> contexts = _lexical.Collect(history);
        PhraseEvidence phrases = _phrases.Collect(history, canaries);
        var tests = new List<DetectionTestResult>
        {
            LexicalScorer.Score(contexts, _keyRing.Global, LexicalLayer.Global),
            PhraseCanaryDetector.Score(phrases, CanaryKeyRing.GlobalKeyId),
        };

        var candidates = accounts
            .Where(a => a.MarkedResponses >= _options.AttributionMinimumResponses)
            .DistinctBy(a => a.AccountId, StringComparer.Ordinal)
            .OrderByDescending(a => a.MarkedResponses)
            .ThenBy(a => a.AccountId, StringComparer.Ordinal)
            .Take(_options.AttributionMaximumAccounts);
        foreach (AccountIssuance account in candidates)
        {
            LexicalKey key = _keyRing.ForAccount(account.AccountId);
            tests.Add(LexicalScorer.Score(contexts, key, LexicalLayer.Account));

            // The phrase test of an account covers the probed topics it was issued; with none, it would only cost Holm.
            if (phrases.Topics.Any(t => account.CanaryTopics.ContainsKey((t.Epoch, t.Topic))))
            {
                tests.Add(PhraseCanaryDetector.Score(phrases, key.Id, t => account.CanaryTopics.ContainsKey((t.Epoch, t.Topic))));
            }
        }

        return DistillationAssessment.Decide(tests, _options.Alpha);
    }
}
