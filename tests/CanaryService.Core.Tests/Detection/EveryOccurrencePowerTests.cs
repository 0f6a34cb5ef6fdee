using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Statistics;
using CanaryService.Core.Tests.Detection.Simulation;
using Xunit.Abstractions;

namespace CanaryService.Core.Tests.Detection;

/// <summary>
/// Power where a student's preference lives: in a few frequent contexts, with chance everywhere else. Counting each
/// pair once at its first occurrence sees little of it and the new rare pairs at chance wash it out; counting every
/// occurrence catches it, and the evidence grows with the answers.
/// </summary>
public sealed class EveryOccurrencePowerTests(ITestOutputHelper output)
{
    private const int AnswersPerRun = 150;
    private const int Runs = 16;

    [Fact]
    public void A_student_copying_in_its_frequent_contexts_is_caught_and_the_evidence_grows_with_the_answers()
    {
        var key = LexicalKey.FromBytes("global", Enumerable.Range(0, 32).Select(i => (byte)(7 * i)).ToArray());
        var student = new FrequentContextStudent(key, copyRate: 0.3, copiedPairs: 400, seed: 5);
        var runs = new List<LexicalContext[]>();
        var newP = new List<double>();
        var newE = new List<double>();
        var firstP = new List<double>();
        var firstE = new List<double>();
        for (int r = 0; r < Runs; r++)
        {
            runs.Add([.. student.Answers(AnswersPerRun)]);
            if (!IsCheckpoint(r + 1))
            {
                continue;
            }

            (List<LexicalTally> tallies, Dictionary<(string, int), int> firstForms) = FrequentContextStudent.Tally(runs);
            DetectionTestResult every = LexicalScorer.Score(tallies, key, LexicalLayer.Global);
            (double p, double e) first = FirstOccurrence(tallies, firstForms, key);
            newP.Add(every.PValue.PValue);
            newE.Add(every.EValue);
            firstP.Add(first.p);
            firstE.Add(first.e);
            output.WriteLine($"{(r + 1) * AnswersPerRun} answers: {tallies.Count} pairs, {every.N} occurrences; every occurrence p = {every.PValue.PValue:G3} " +
                $"({every.PValue.Method}), e = {every.EValue:G3}; first occurrence p = {first.p:G3}, e = {first.e:G3}; fixed caps 4, 16, 64: p = " +
                string.Join(", ", new[] { 4, 16, 64 }.Select(c => LexicalScorer.Score(tallies, key, LexicalLayer.Global, c).PValue.PValue.ToString("G3", System.Globalization.CultureInfo.InvariantCulture))));
        }

        // Caught by the new statistic from 300 answers on; the first-occurrence one never reaches 1e-6 and fades as
        // new pairs at chance accumulate.
        Assert.All(newP.Skip(1), p => Assert.True(p < 1e-6, $"every-occurrence p = {p}"));
        Assert.All(firstP, p => Assert.True(p > 1e-6, $"first-occurrence p = {p}"));
        Assert.True(firstP[^1] > firstP.Min() * 10, "the first-occurrence p-value was expected to fade");
        Assert.True(newE[^1] > 1e6, $"every-occurrence e = {newE[^1]}");
        Assert.True(firstE[^1] < 1e6, $"first-occurrence e = {firstE[^1]}");

        // It grows: every doubling of the answers lowers p, and from 300 answers on (once the student's frequent pairs
        // are settled) raises e.
        for (int i = 1; i < newP.Count; i++)
        {
            Assert.True(newP[i] < newP[i - 1], $"p went from {newP[i - 1]} to {newP[i]}");
            Assert.True(i < 2 || newE[i] > newE[i - 1], $"e went from {newE[i - 1]} to {newE[i]}");
        }
    }

    [Fact]
    public void A_student_at_chance_everywhere_is_not_detected()
    {
        var key = LexicalKey.FromBytes("global", Enumerable.Range(0, 32).Select(i => (byte)(11 * i)).ToArray());
        var student = new FrequentContextStudent(key, copyRate: 0, copiedPairs: 400, seed: 6);
        List<LexicalTally> tallies = FrequentContextStudent.Tally([.. Enumerable.Range(0, 8).Select(_ => student.Answers(AnswersPerRun).ToArray())]).Tallies;
        DetectionTestResult every = LexicalScorer.Score(tallies, key, LexicalLayer.Global);
        output.WriteLine($"copy rate 0: p = {every.PValue.PValue:G3}, e = {every.EValue:G3}");
        Assert.True(every.PValue.PValue > 1e-3);
        Assert.True(every.EValue < 100);
    }

    private static bool IsCheckpoint(int runs) => (runs & (runs - 1)) == 0;   // 1, 2, 4, 8, 16 runs

    /// <summary>
    /// The statistic this detector used before: each pair once, at its first occurrence (a 0/1 match, the
    /// Poisson-binomial tail) and the single-rate Bernoulli e-value over those matches.
    /// </summary>
    private static (double P, double E) FirstOccurrence(IReadOnlyList<LexicalTally> tallies, Dictionary<(string, int), int> firstForms, LexicalKey key)
    {
        var sum = new LatticeSum();
        var e = new KeyedShareEValue();
        int matches = 0;
        foreach (LexicalTally t in tallies)
        {
            bool match = key.PreferredIndex(t.Context, t.GroupId, t.GroupSize) == firstForms[(t.Context, t.GroupId)];
            matches += match ? 1 : 0;
            sum.AddBernoulli(1.0 / t.GroupSize);
            e.Add(match, 1.0 / t.GroupSize);
        }

        return (sum.UpperTail(matches).PValue, e.Value);
    }
}
