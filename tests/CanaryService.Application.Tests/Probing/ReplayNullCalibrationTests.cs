using CanaryService.Application.Probing;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;

namespace CanaryService.Application.Tests.Probing;

/// <summary>
/// Replay does not touch the null: an innocent competitor's answers to replayed prompts (verbatim and reworded, even
/// echoing the prompt back) do not depend on our key, so over many random keys the "distilled" verdict comes at most
/// at rate α.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class ReplayNullCalibrationTests
{
    private const int Keys = 300;
    private const double Alpha = 0.05;

    [Fact]
    public void Over_many_random_keys_an_innocent_competitor_answering_replayed_prompts_is_flagged_at_most_at_rate_alpha()
    {
        // The data is fixed; the key is what is random (the exact null of every test).
        Random random = new(2026);
        string[] asked = [.. Enumerable.Range(0, 300).Select(i => $"What are the usual steps to organise project {i} for a small team?")];
        List<Transcript> history = [];
        for (int run = 0; run < 3; run++)
        {
            List<ProbeExchange> exchanges = [];
            for (int i = 0; i < 20; i++)
            {
                string original = asked[random.Next(asked.Length)];
                bool reword = random.Next(2) == 0;
                string sent = reword ? ReplayRewording.Apply(original, random.Next()) : original;
                string answer = TeacherProse.Answer(sent) + "\n\nYou asked: " + sent;
                exchanges.Add(new ProbeExchange(ProbePrompt.ReplayKind, null, null, sent, answer, null, DateTimeOffset.UnixEpoch.AddDays(run),
                    i % 2 == 0 ? "key-a" : "key-b", reword ? ProbePrompt.RewordedForm : ProbePrompt.VerbatimForm));
            }

            history.Add(new Transcript("innocent", $"run-{run}", DateTimeOffset.UnixEpoch.AddDays(run), exchanges));
        }

        AccountIssuance[] accounts = [new("key-a", 500, new Dictionary<(string, string), long>()), new("key-b", 500, new Dictionary<(string, string), long>())];
        DetectionOptions options = new() { Alpha = Alpha, AttributionMinimumResponses = 1 };
        int distilled = 0;
        Dictionary<string, int> smallP = new(StringComparer.Ordinal);
        long scored = 0;
        byte[] master = new byte[32];
        for (int k = 0; k < Keys; k++)
        {
            random.NextBytes(master);
            CanaryKeyRing keyRing = new(MasterKey.FromBase64(Convert.ToBase64String(master)));
            DistillationAssessment assessment = new DistillationAssessor(keyRing, options).Assess(history, [], accounts);
            distilled += assessment.Verdict == DetectionVerdicts.Distilled ? 1 : 0;
            foreach (DetectionTestResult test in assessment.Tests.Where(t => t.Family == DetectionFamilies.Lexical))
            {
                scored += test.N;
                smallP[test.KeyId] = smallP.GetValueOrDefault(test.KeyId) + (test.PValue.PValue <= Alpha ? 1 : 0);
            }
        }

        // Binomial(300, 0.05): mean 15, sd 3.8; 27 is over three sd above.
        const int Bound = 27;
        Assert.True(scored > Keys * 3 * 50, $"only {scored} scored occurrences: the test would show nothing");
        Assert.True(distilled <= Bound, $"{distilled} of {Keys} keys gave 'distilled' at alpha {Alpha}");
        Assert.Equal(["account:key-a", "account:key-b", "global"], smallP.Keys.Order(StringComparer.Ordinal));
        Assert.All(smallP, p => Assert.True(p.Value <= Bound, $"{p.Key}: p <= {Alpha} for {p.Value} of {Keys} keys"));
    }
}
