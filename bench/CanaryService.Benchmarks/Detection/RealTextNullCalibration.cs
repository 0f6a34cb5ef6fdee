using System.Globalization;
using CanaryService.Application.Probing;
using CanaryService.Benchmarks.Corpus;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Phrases;
using CanaryService.Core.Issuance;
using CanaryService.Core.Probing;

namespace CanaryService.Benchmarks.Detection;

/// <summary>
/// The null on real text (not a benchmark of speed): innocent competitors are real models whose recorded answers
/// never passed through the proxy, probed as the service probes (replayed prompts verbatim and reworded, canary topic
/// prompts, open prompts) over three runs; for each of many random master keys the registry's canaries of the probed
/// topics and the accounts' issuance are made with that key, and the production <see cref="DistillationAssessor"/>
/// scores the history. The data is fixed per model and the key is random, which is the exact null of every test: the
/// rates of small p-values, of large e-values and of "distilled" verdicts must stay at or below their levels.
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project bench/CanaryService.Benchmarks -- null-calibration [data folder] [keys]
/// [models]</c>, models a comma-separated list of file names without <c>.jsonl.gz</c> (default eight of different
/// families); the folder holds <c>*.jsonl.gz</c> files of <c>{"prompt","output"}</c> lines (default
/// <c>../shared/data/model-outputs</c>). The data is evaluation data: it is read, never copied.
/// </remarks>
internal static class RealTextNullCalibration
{
    private const string Epoch = "2026-12";
    private const int Runs = 3;
    private const int ReplaysPerRun = 30;
    private const int TopicsPerRun = 45;
    private const int OpenPerRun = 15;
    private const double Level = 0.01;

    private static readonly string[] DefaultModels =
    [
        "Meta-Llama-3.1-405B-Instruct-Turbo", "Mistral-7B-Instruct-v0.3", "Qwen2-72B-Instruct", "gemma-7b-it",
        "cohere", "gemini-pro", "tulu-2-dpo-70b", "Yi-34B-Chat",
    ];

    private static readonly string[] Accounts = ["acct-a", "acct-b", "acct-c"];

    public static int Run(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "data", "model-outputs");
        int keys = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
        string[] models = args.Length > 2 ? args[2].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : DefaultModels;
        Probed[] probed = [.. models.Select((m, i) => Probe(m, CorpusAnswers.Read(Path.Combine(folder, m + ".jsonl.gz")), seed: 100 + i))];
        foreach (Probed p in probed)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{p.Model}: {p.History.Sum(t => t.Exchanges.Count)} probe answers over {Runs} runs, {p.Words:N0} words, {p.Topics.Count} canary topics"));
        }

        // Verdicts at a level where a rate can be seen in a few thousand keys; the service's 1e-6 is stricter.
        var options = new DetectionOptions { Alpha = Level, AttributionMinimumResponses = 1 };
        var small = new Dictionary<string, int>(StringComparer.Ordinal);
        var smaller = new Dictionary<string, int>(StringComparer.Ordinal);
        var large = new Dictionary<string, int>(StringComparer.Ordinal);
        var tests = new Dictionary<string, int>(StringComparer.Ordinal);
        var scored = new Dictionary<string, long>(StringComparer.Ordinal);
        int distilled = 0, attributed = 0;
        byte[] master = new byte[32];
        var random = new Random(2026);
        for (int k = 0; k < keys; k++)
        {
            random.NextBytes(master);
            var keyRing = new CanaryKeyRing(MasterKey.FromBytes(master));
            Probed p = probed[k % probed.Length];
            var generator = new PhraseCanaryGenerator(keyRing);
            CanaryRecord[] canaries = [.. p.Topics.Select(t => generator.Create(Epoch, t.Key, t.Words).Record)];
            DistillationAssessment assessment = new DistillationAssessor(keyRing, options).Assess(p.History, canaries, p.Issuance);
            distilled += assessment.Verdict == DetectionVerdicts.Distilled ? 1 : 0;
            attributed += assessment.AttributedAccount is null ? 0 : 1;
            foreach (DetectionTestResult test in assessment.Tests)
            {
                string name = test.Family + "/" + (test.KeyId.StartsWith("account:", StringComparison.Ordinal) ? "account" : test.KeyId);
                tests[name] = tests.GetValueOrDefault(name) + 1;
                scored[name] = scored.GetValueOrDefault(name) + test.N;
                small[name] = small.GetValueOrDefault(name) + (test.PValue.PValue <= Level ? 1 : 0);
                smaller[name] = smaller.GetValueOrDefault(name) + (test.PValue.PValue <= Level / 10 ? 1 : 0);
                large[name] = large.GetValueOrDefault(name) + (test.EValue >= 1 / Level ? 1 : 0);
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{keys} random keys over {probed.Length} models; level {Level}; bound = one-sided 0.999 binomial quantile"));
        Console.WriteLine("test               tests  mean n   p <= 0.01 (bound)   p <= 0.001 (bound)   e >= 100 (bound)");
        foreach (string name in tests.Keys.Order(StringComparer.Ordinal))
        {
            int n = tests[name];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-17}  {n,5}  {scored[name] / (double)n,6:F0}   {small[name],5} ({Bound(n, Level),4})       {smaller[name],5} ({Bound(n, Level / 10),4})        {large[name],5} ({Bound(n, Level),4})"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"verdict 'distilled' at alpha {Level} (Holm over every test): {distilled} of {keys} keys (bound {Bound(keys, Level)}); an account named: {attributed}"));
        return 0;
    }

    /// <summary>The one-sided 0.999 quantile of Binomial(n, rate): a count above it is a miscalibration, not chance.</summary>
    internal static int Bound(int n, double rate)
    {
        double cumulative = 0;
        double term = Math.Pow(1 - rate, n);
        for (int x = 0; x <= n; x++)
        {
            cumulative += term;
            if (cumulative >= 0.999)
            {
                return x;
            }

            term *= (n - x) / (double)(x + 1) * rate / (1 - rate);
        }

        return n;
    }

    /// <summary>
    /// One innocent model probed as the service would: per run, replays of prompts our accounts asked (half of them
    /// reworded), prompts on canary topics, open prompts; each answered with the model's recorded answer to that prompt.
    /// </summary>
    private static Probed Probe(string model, IReadOnlyList<(string Prompt, string Answer)> answers, int seed)
    {
        var random = new Random(seed);
        (string Prompt, string Answer)[] usable = [.. answers.Where(a => TopicBucket.FromPrompt(a.Prompt) is not null)];
        random.Shuffle(usable);
        var topics = new Dictionary<string, TopicBucket>(StringComparer.Ordinal);
        var history = new List<Transcript>();
        int next = 0;
        long words = 0;
        for (int run = 0; run < Runs; run++)
        {
            DateTimeOffset at = DateTimeOffset.UnixEpoch.AddDays(run);
            var exchanges = new List<ProbeExchange>();
            for (int i = 0; i < ReplaysPerRun + TopicsPerRun + OpenPerRun; i++)
            {
                (string prompt, string answer) = usable[next++ % usable.Length];
                words += answer.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
                if (i < ReplaysPerRun)
                {
                    bool reword = random.Next(2) == 0;
                    exchanges.Add(new ProbeExchange(ProbePrompt.ReplayKind, null, null, reword ? ReplayRewording.Apply(prompt, random.Next()) : prompt, answer, null, at,
                        Accounts[random.Next(Accounts.Length)], reword ? ProbePrompt.RewordedForm : ProbePrompt.VerbatimForm));
                }
                else if (i < ReplaysPerRun + TopicsPerRun)
                {
                    TopicBucket topic = TopicBucket.FromPrompt(prompt)!;
                    topics.TryAdd(topic.Key, topic);
                    exchanges.Add(new ProbeExchange(ProbePrompt.TopicKind, Epoch, topic.Key, prompt, answer, null, at));
                }
                else
                {
                    exchanges.Add(new ProbeExchange(ProbePrompt.OpenKind, null, null, prompt, answer, null, at));
                }
            }

            history.Add(new Transcript(model, "run-" + run.ToString(CultureInfo.InvariantCulture), at, exchanges));
        }

        // Each topic was issued to one account, a fifth of them to two (so the per-account phrase tests see topics of
        // their own and shared ones, as in real traffic).
        var issued = Accounts.ToDictionary(a => a, _ => new Dictionary<(string, string), long>(), StringComparer.Ordinal);
        foreach (string topic in topics.Keys.Order(StringComparer.Ordinal))
        {
            int owner = random.Next(Accounts.Length);
            issued[Accounts[owner]][(Epoch, topic)] = 1 + random.Next(5);
            if (random.Next(5) == 0)
            {
                issued[Accounts[(owner + 1) % Accounts.Length]][(Epoch, topic)] = 1;
            }
        }

        AccountIssuance[] issuance = [.. Accounts.Select(a => new AccountIssuance(a, 2_000, issued[a]))];
        return new Probed(model, history, [.. topics.Values], issuance, words);
    }

    private sealed record Probed(string Model, IReadOnlyList<Transcript> History, IReadOnlyList<TopicBucket> Topics, IReadOnlyList<AccountIssuance> Issuance, long Words);
}
