using CanaryService.Core.Campaigns;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Statistics;

namespace CanaryService.Core.Tests.Detection;

/// <summary>
/// The pooled cluster test: valid whatever the cluster's size (the null simulation), and it attributes a student
/// trained on answers spread over 30 accounts to their cluster when no single account's test can.
/// </summary>
public sealed class ClusterAttributionTests
{
    [Trait("Category", "Simulation")]
    [Fact]
    public void Under_the_null_the_cluster_test_rejects_at_most_alpha_for_clusters_of_1_to_1000_accounts_over_2000_keys()
    {
        // The null: the student's text does not depend on the cluster's keys, so each key's form is a uniform draw,
        // independent of the text and of the other keys. The text here has strong habits of its own (a student that
        // prefers some forms a lot), which a test that leaned on the text would mistake for a watermark.
        var random = new Random(20261207);
        const int Trials = 2000;
        double[] alphas = [0.05, 0.01];
        int[] rejected = new int[alphas.Length];
        int[] sizesSeen = new int[4];
        for (int trial = 0; trial < Trials; trial++)
        {
            int size = (int)Math.Round(Math.Exp(random.NextDouble() * Math.Log(1000)));
            sizesSeen[size switch { 1 => 0, < 30 => 1, < 300 => 2, _ => 3 }]++;
            LexicalTally[] tallies = [.. Enumerable.Range(0, 120).Select(j => HabitualTally(random, j))];
            int[][] keyed = [.. Enumerable.Range(0, size).Select(_ => tallies.Select(t => random.Next(t.GroupSize)).ToArray())];

            double e = ClusterLexicalScorer.Combine(tallies, keyed, "cluster:null").EValue;

            for (int a = 0; a < alphas.Length; a++)
            {
                rejected[a] += e >= 1 / alphas[a] ? 1 : 0;
            }
        }

        Assert.All(sizesSeen, n => Assert.True(n >= 100, $"cluster sizes seen: {string.Join(", ", sizesSeen)}"));
        for (int a = 0; a < alphas.Length; a++)
        {
            // At most α, with three binomial standard deviations of slack for the simulation itself.
            double bound = (Trials * alphas[a]) + (3 * Math.Sqrt(Trials * alphas[a] * (1 - alphas[a])));
            Assert.True(rejected[a] <= bound, $"{rejected[a]} of {Trials} rejected at α = {alphas[a]} (bound {bound:F0})");
        }
    }

    [Trait("Category", "Simulation")]
    [Fact]
    public void A_student_trained_on_30_accounts_answers_is_attributed_to_their_cluster_and_to_no_single_account()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Repeat((byte)11, 32).ToArray()));
        string[] accounts = [.. Enumerable.Range(0, 30).Select(i => $"key-{i:x32}")];
        LexicalKey[] keys = [.. accounts.Select(ring.ForAccount)];
        var random = new Random(8);

        // Each occurrence copies the keyed form of one of the 30 accounts (the answer it was trained on) 80 % of the
        // time, and otherwise writes the student's own habit.
        LexicalTally[] tallies = [.. Enumerable.Range(0, 3000).Select(j =>
        {
            int size = 2 + random.Next(2);
            var tally = new LexicalTally("ctx" + j, 10_000 + j, size, LexicalLayer.Account);
            int habit = random.Next(size);
            for (int i = 0; i < 10; i++)
            {
                tally.Add(random.NextDouble() < 0.8 ? keys[random.Next(keys.Length)].PreferredIndex("ctx" + j, 10_000 + j, size) : habit, 0);
            }

            return tally;
        })];

        DetectionTestResult cluster = ClusterLexicalScorer.Score(tallies, "cluster-test", keys);
        DetectionTestResult[] alone = [.. keys.Select(k => LexicalScorer.Score(tallies, k, LexicalLayer.Account))];
        DistillationAssessment decided = DistillationAssessment.Decide([.. alone, cluster], 1e-6,
            [new AccountCluster("cluster-test", accounts, true, [], 30_000)]);

        Assert.True(cluster.EValue >= 1e12, $"cluster e-value {cluster.EValue:G3}");
        Assert.All(alone, t => Assert.True(t.EValue < 1e6, $"{t.KeyId}: e = {t.EValue:G3}"));
        Assert.Equal("cluster-test", decided.AttributedCluster?.Cluster);
        Assert.Equal(accounts, decided.AttributedCluster?.Accounts);
        Assert.Null(decided.AttributedAccount);
        Assert.Equal(DetectionVerdicts.Distilled, decided.Verdict);
    }

    [Fact]
    public void A_student_that_never_saw_the_clusters_answers_is_not_attributed_to_it()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Repeat((byte)12, 32).ToArray()));
        LexicalKey[] trainedOn = [.. Enumerable.Range(0, 30).Select(i => ring.ForAccount($"key-other-{i}"))];
        LexicalKey[] cluster = [.. Enumerable.Range(0, 30).Select(i => ring.ForAccount($"key-cluster-{i}"))];
        var random = new Random(9);
        LexicalTally[] tallies = [.. Enumerable.Range(0, 3000).Select(j =>
        {
            var tally = new LexicalTally("ctx" + j, 20_000 + j, 2, LexicalLayer.Account);
            for (int i = 0; i < 10; i++)
            {
                tally.Add(trainedOn[random.Next(trainedOn.Length)].PreferredIndex("ctx" + j, 20_000 + j, 2), 0);
            }

            return tally;
        })];

        Assert.True(ClusterLexicalScorer.Score(tallies, "other", cluster).EValue < 1e6);
        Assert.True(ClusterLexicalScorer.Score(tallies, "trained", trainedOn).EValue >= 1e12);
    }

    [Fact]
    public void The_pooled_bet_is_a_supermartingale_factor_whatever_the_history()
    {
        // Each factor 1 + λ·X with X = share/p − 1 has null mean 1 for any λ fixed before the observation.
        var e = new PooledShareEValue();
        var random = new Random(4);
        for (int i = 0; i < 200; i++)
        {
            e.Add(random.NextDouble() < 0.9 ? 1.0 : 0.0, 0.5);
        }

        Assert.True(e.LogValue > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Add(1.5, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Add(0.5, 1));
    }

    private static LexicalTally HabitualTally(Random random, int j)
    {
        int size = 2 + random.Next(3);
        var tally = new LexicalTally("c" + j, j, size, LexicalLayer.Account, firstRun: 0);
        int total = 1 + random.Next(random.NextDouble() < 0.2 ? 40 : 6);
        int later = random.Next(total);
        int habit = random.Next(size);
        for (int i = 0; i < total; i++)
        {
            // Some of a pair's occurrences come in a later run (the settled martingale then bets at that run).
            tally.Add(random.NextDouble() < 0.85 ? habit : random.Next(size), i < later ? 0 : 1);
        }

        return tally;
    }
}
