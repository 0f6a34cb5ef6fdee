using CanaryService.Core.Campaigns;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;

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
    /// Issuance totals of every account in the issuance window (a topic's phrase canary counts against an account only
    /// when no other account received it); those with at least <see cref="DetectionOptions.AttributionMinimumResponses"/> marked
    /// responses (at most <see cref="DetectionOptions.AttributionMaximumAccounts"/>, highest volume first) are tested.
    /// </param>
    /// <param name="clusters">
    /// Flagged clusters of accounts (the extraction monitor's): each of the largest
    /// <see cref="DetectionOptions.AttributionMaximumClusters"/> is tested as one, its accounts' keys pooled
    /// (<see cref="ClusterLexicalScorer"/>) and the phrase canaries only its accounts received, as <c>cluster:{id}</c>.
    /// </param>
    public DistillationAssessment Assess(IReadOnlyList<Transcript> history, IEnumerable<CanaryRecord> canaries, IEnumerable<AccountIssuance> accounts, IEnumerable<AccountCluster>? clusters = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(canaries);
        ArgumentNullException.ThrowIfNull(accounts);

        IReadOnlyList<LexicalTally> contexts = _lexical.Collect(history);
        PhraseEvidence phrases = _phrases.Collect(history, canaries);
        var tests = new List<DetectionTestResult>
        {
            LexicalScorer.Score(contexts, _keyRing.Global, LexicalLayer.Global),
            PhraseCanaryDetector.Score(phrases, CanaryKeyRing.GlobalKeyId),
        };

        AccountIssuance[] all = [.. accounts.DistinctBy(a => a.AccountId, StringComparer.Ordinal)];
        Dictionary<(string Epoch, string Topic), int> recipients = CountRecipients(all);
        foreach (AccountIssuance account in AttributionCandidates.Select(all, _options))
        {
            LexicalKey key = _keyRing.ForAccount(account.AccountId);
            tests.Add(LexicalScorer.Score(contexts, key, LexicalLayer.Account));

            // A topic's canary is the same for every account that received it, so a competitor that knows it may have
            // it from any of them: only topics this account alone received are evidence against it (under "never saw
            // this account's answers" such a canary was never emitted where the competitor could see it, and the
            // permutation null holds). With none probed, the test would only cost Holm.
            bool Exclusive(PhraseTopicEvidence t) =>
                account.CanaryTopics.ContainsKey((t.Epoch, t.Topic)) && recipients.GetValueOrDefault((t.Epoch, t.Topic)) == 1;
            if (phrases.Topics.Any(Exclusive))
            {
                tests.Add(PhraseCanaryDetector.Score(phrases, key.Id, Exclusive));
            }
        }

        AccountCluster[] tested = [.. (clusters ?? [])
            .Where(c => c.Flagged && c.Accounts.Count > 0)
            .OrderByDescending(c => c.Requests)
            .ThenBy(c => c.Cluster, StringComparer.Ordinal)
            .Take(_options.AttributionMaximumClusters)];
        foreach (AccountCluster cluster in tested)
        {
            tests.Add(ClusterLexicalScorer.Score(contexts, cluster.Cluster, [.. cluster.Accounts.Select(_keyRing.ForAccount)]));

            // The canaries only this cluster's accounts received: from the cluster (any of them), or from no one the
            // competitor saw under the null.
            HashSet<string> members = [.. cluster.Accounts];
            Dictionary<(string Epoch, string Topic), int> inCluster = CountRecipients(all.Where(a => members.Contains(a.AccountId)));
            bool Exclusive(PhraseTopicEvidence t) =>
                inCluster.TryGetValue((t.Epoch, t.Topic), out int n) && recipients.GetValueOrDefault((t.Epoch, t.Topic)) == n;
            if (phrases.Topics.Any(Exclusive))
            {
                tests.Add(PhraseCanaryDetector.Score(phrases, ClusterLexicalScorer.KeyPrefix + cluster.Cluster, Exclusive));
            }
        }

        return DistillationAssessment.Decide(tests, _options.Alpha, tested);
    }

    private static Dictionary<(string Epoch, string Topic), int> CountRecipients(IEnumerable<AccountIssuance> accounts)
    {
        var recipients = new Dictionary<(string Epoch, string Topic), int>();
        foreach (AccountIssuance account in accounts)
        {
            foreach ((string Epoch, string Topic) topic in account.CanaryTopics.Keys)
            {
                recipients[topic] = recipients.GetValueOrDefault(topic) + 1;
            }
        }

        return recipients;
    }
}
