using System.Text;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Core.Tests.Statistics;
using Xunit.Abstractions;

namespace CanaryService.Core.Tests.Detection;

/// <summary>
/// The markup channel (list bullets) through the shipped lexicon, the detector and the lexical scorer: on answers whose
/// lists are written with a fixed habit, the false-positive rate over 2,000 random key rings stays within sampling
/// error of 1 %; a student whose answers copy marked ones is caught.
/// </summary>
public sealed class BulletCalibrationTests(ITestOutputHelper output)
{
    private const int Keys = 2_000;

    // First words of list items: few enough that they repeat (one habit, many occurrences per context).
    private static readonly string[] ItemWords =
    [
        "install", "check", "use", "avoid", "consider", "keep", "add", "remove", "read", "write", "test", "build", "open",
        "close", "start", "finish", "plan", "measure", "compare", "choose", "drink", "sleep", "walk", "eat", "call", "ask",
        "save", "spend", "learn", "teach", "speed", "cost", "memory", "safety", "price", "quality", "time", "money", "health",
        "energy", "water", "light", "sound", "color", "size", "weight", "shape", "texture", "flavor", "scent", "focus",
        "rest", "exercise", "review", "update", "backup", "restore", "deploy", "monitor", "scale", "cache", "index",
    ];

    private static readonly CanaryLexicon Lexicon = CanaryLexicon.Default;
    private static readonly LexiconGroup Bullets = CanaryLexicon.Default.Bullets!;

    [Theory]
    [InlineData('*')]
    [InlineData('-')]
    public void Lists_written_with_a_fixed_habit_hold_the_rate_over_a_few_random_keys(char habit) => HoldsTheRate(habit, keys: 200);

    [Theory]
    [InlineData('*')]
    [InlineData('-')]
    [Trait("Category", "Simulation")]
    public void Lists_written_with_a_fixed_habit_hold_the_rate_over_random_keys(char habit) => HoldsTheRate(habit, Keys);

    // The bound is the largest count consistent with a rate of 1 % over that many keys, so the fast run's 200 keys
    // check the same rate, less sharply, as the simulation's 2,000.
    private void HoldsTheRate(char habit, int keys)
    {
        var answers = Answers(600, habit, seed: 3);
        var detector = new LexicalDetector(Lexicon, LexiconLayers.Create(Lexicon, new byte[32]));
        LexicalTally[] tallies = [.. detector.Collect(answers, []).Where(t => t.GroupId == Bullets.Id).Select(AsGlobal)];

        int pHits = 0, eHits = 0;
        var random = new Random(29);
        for (int k = 0; k < keys; k++)
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            var ring = new CanaryKeyRing(MasterKey.FromBytes(bytes));
            DetectionTestResult result = LexicalScorer.Score(tallies, ring.Global, LexicalLayer.Global);
            pHits += result.PValue.PValue <= 0.01 ? 1 : 0;
            eHits += result.EValue >= 100 ? 1 : 0;
        }

        int bound = SamplingBound.MaxConsistentCount(keys, 0.01);
        output.WriteLine($"habit {habit}: {tallies.Length} contexts, {tallies.Sum(t => t.Total)} keyed lists; p ≤ 0.01 {pHits}/{keys}, e ≥ 100 {eHits}/{keys} (bound {bound})");
        Assert.Equal(ItemWords.Length, tallies.Length);
        Assert.True(tallies.All(t => t.Counts[habit == '*' ? 0 : 1] == t.Total), "every list keeps the habit");
        Assert.True(pHits <= bound, $"p ≤ 0.01 for {pHits}/{keys} keys (bound {bound})");
        Assert.True(eHits <= bound, $"e ≥ 100 for {eHits}/{keys} keys (bound {bound})");
    }

    [Fact]
    public void A_student_that_copies_marked_answers_is_caught_and_attributed_by_its_layer()
    {
        int caught = 0;
        const int Trials = 20;
        for (int trial = 0; trial < Trials; trial++)
        {
            var ring = new CanaryKeyRing(MasterKey.Generate());
            var layers = LexiconLayers.Create(Lexicon, ring);
            var marker = new TextMarker(Lexicon, layers, ring.Global, ring.ForAccount("leaker"));

            // The student learnt its list habit from marked answers: its own new answers come out as ours would.
            string[] student = [.. Answers(120, '*', seed: 100 + trial).Select(marker.Mark)];
            bool global = layers.IsGlobal(Bullets.Index);
            LexicalKey key = global ? ring.Global : ring.ForAccount("leaker");
            var detector = new LexicalDetector(Lexicon, layers);
            DetectionTestResult result = detector.Score(student, [], key, global ? LexicalLayer.Global : LexicalLayer.Account);
            caught += result.PValue.PValue <= 0.01 ? 1 : 0;
        }

        output.WriteLine($"caught {caught}/{Trials} students from 120 answers (120 keyed lists)");
        Assert.True(caught >= Trials - 1, $"caught only {caught}/{Trials}");
    }

    /// <summary>Answers of prose and two lists each (the first is keyed, the second follows it), every list written with <paramref name="habit"/>.</summary>
    internal static IReadOnlyList<string> Answers(int count, char habit, int seed)
    {
        var random = new Random(seed);
        var answers = new List<string>(count);
        for (int a = 0; a < count; a++)
        {
            var text = new StringBuilder("Here is what matters most for this question.\n");
            for (int list = 0; list < 2; list++)
            {
                text.Append("\n### Part ").Append(list + 1).Append("\n\n");
                int items = random.Next(2, 6);
                for (int i = 0; i < items; i++)
                {
                    string word = ItemWords[random.Next(ItemWords.Length)];
                    text.Append(habit).Append(' ').Append(char.ToUpperInvariant(word[0])).Append(word[1..]).Append(" comes next in the plan.\n");
                }
            }

            answers.Add(text.Append("\nThat is all.").ToString());
        }

        return answers;
    }

    private static LexicalTally AsGlobal(LexicalTally tally)
    {
        var copy = new LexicalTally(tally.Context, tally.GroupId, tally.GroupSize, LexicalLayer.Global);
        for (int f = 0; f < tally.GroupSize; f++)
        {
            copy.Add(f, 0, tally.Counts[f]);
        }

        return copy;
    }
}
