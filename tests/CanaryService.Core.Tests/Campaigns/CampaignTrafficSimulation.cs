using System.Globalization;
using CanaryService.Core.Campaigns;

namespace CanaryService.Core.Tests.Campaigns;

/// <summary>
/// Generates a week of traffic from its own vocabulary (no shared corpus): benign accounts with varied, mostly
/// multi-turn, low-volume use in their daytime (a few heavy users among them), and a campaign of accounts harvesting
/// with templated, single-turn, reasoning-eliciting prompts round the clock from a proxy service's networks.
/// </summary>
public sealed class CampaignTrafficSimulation
{
    private static readonly string[] Subjects =
    [
        "garden", "invoice", "recipe", "bicycle", "marathon", "spreadsheet", "wedding", "resume", "kitten", "mortgage",
        "python script", "essay", "presentation", "vacation", "apartment", "guitar", "podcast", "newsletter", "budget",
        "interview", "novel", "birthday party", "database", "website", "lesson plan", "poem", "email", "contract",
        "workout", "sourdough", "chess opening", "camping trip", "thesis", "product launch", "job offer", "tax return",
        "car repair", "aquarium", "language course", "meeting agenda", "press release", "wine pairing", "photo album",
    ];

    private static readonly string[] Verbs =
    [
        "improve", "shorten", "summarize", "plan", "organize", "fix", "rewrite", "translate", "name", "price", "describe",
        "review", "outline", "compare", "start", "finish", "decorate", "schedule", "clean up", "cheer up",
    ];

    private static readonly string[] Adjectives =
    [
        "friendly", "formal", "funny", "short", "detailed", "cheap", "quick", "healthy", "modern", "polite", "creative",
        "simple", "honest", "professional", "cozy", "bold", "gentle", "clear",
    ];

    // Benign users phrase things their own way: many openings and closings, free order, small talk.
    private static readonly string[] Openings =
    [
        "hey", "hi there", "quick one", "so", "ok", "hmm", "thanks again", "one more thing", "sorry", "good morning",
        "", "", "", "", "", "",
    ];

    private static readonly Func<Random, string>[] BenignFrames =
    [
        r => $"can you {Pick(r, Verbs)} my {Pick(r, Subjects)}",
        r => $"I need a {Pick(r, Adjectives)} way to {Pick(r, Verbs)} the {Pick(r, Subjects)} before friday",
        r => $"what do you think about my {Pick(r, Subjects)}? it feels {Pick(r, Adjectives)}",
        r => $"make it more {Pick(r, Adjectives)} please",
        r => $"no, I meant the {Pick(r, Subjects)} part",
        r => $"write something {Pick(r, Adjectives)} for a {Pick(r, Subjects)}",
        r => $"my boss wants the {Pick(r, Subjects)} {Pick(r, Adjectives)}, ideas?",
        r => $"{Pick(r, Verbs)} this: {Words(r, 8, 30)}",
        r => $"is it normal that my {Pick(r, Subjects)} takes {r.Next(2, 40)} hours",
        r => $"compare a {Pick(r, Adjectives)} {Pick(r, Subjects)} with a {Pick(r, Adjectives)} one",
        r => $"why does the {Pick(r, Subjects)} keep failing when I {Pick(r, Verbs)} it",
        r => $"{Words(r, 5, 20)}?",
        r => $"translate to french: {Words(r, 4, 12)}",
        r => $"give me {r.Next(3, 10)} names for a {Pick(r, Adjectives)} {Pick(r, Subjects)}",
        r => $"explain why my {Pick(r, Subjects)} is {Pick(r, Adjectives)}",
        r => $"that's great, and for the {Pick(r, Subjects)}?",
        r => $"shorter",
        r => $"help me {Pick(r, Verbs)} a {Pick(r, Subjects)} for my mom",
        r => $"list pros and cons of a {Pick(r, Subjects)}",
        r => $"does {Words(r, 3, 8)} make sense",
    ];

    // The campaign's harvesting templates: fixed scaffolding around a generated task.
    private static readonly Func<Random, string>[] CampaignTemplates =
    [
        r => $"You are an expert problem solver. Solve the following problem step by step, showing all of your reasoning before the final answer.\n\nProblem: {Task(r)}\n\nFormat: numbered steps, then 'Final answer:' on its own line.",
        r => $"Task: {Task(r)}\nThink through the task carefully and explain your reasoning in detail. Then write the complete solution in Python with comments. Return only the reasoning and the code.",
        r => $"### Instruction\nAnswer the question below. Let's think step by step and justify every step.\n### Question\n{Task(r)}\n### Response",
    ];

    private static readonly string[] BenignAgents = ["OpenAI/Python 1.54.0", "OpenAI/NodeJS 4.67.1", "Mozilla/5.0 (Macintosh)", "curl/8.5.0", "MyNotesApp/2.1"];

    private readonly Random _random;
    private readonly DateTimeOffset _start;

    /// <summary>A simulation drawn from <paramref name="seed"/>, over the week from <paramref name="start"/>.</summary>
    public CampaignTrafficSimulation(int seed, DateTimeOffset start)
    {
        _random = new Random(seed);
        _start = start;
    }

    /// <summary>The benign accounts' ids.</summary>
    public List<string> BenignAccounts { get; } = [];

    /// <summary>The campaign's account ids.</summary>
    public List<string> CampaignAccounts { get; } = [];

    /// <summary>
    /// Every request of <paramref name="benign"/> benign accounts and a <paramref name="campaign"/>-account campaign,
    /// in no particular order. <paramref name="volume"/> multiplies every account's requests; with
    /// <paramref name="campaignAddresses"/> false the campaign's network hint is withheld (templates alone link it).
    /// </summary>
    public IEnumerable<TrafficObservation> Generate(int benign, int campaign, double volume = 1, bool campaignAddresses = true)
    {
        for (int a = 0; a < benign; a++)
        {
            string account = "key-" + Hex(_random);
            BenignAccounts.Add(account);
            bool heavy = _random.NextDouble() < 0.05;
            int requests = Math.Max(1, (int)(volume * Math.Exp(Math.Log(heavy ? 150 : 18) + 0.8 * Normal(_random))));
            int timezone = _random.Next(-8, 9);
            string agent = Pick(_random, BenignAgents);
            string address = string.Create(CultureInfo.InvariantCulture, $"{_random.Next(11, 223)}.{_random.Next(256)}.{_random.Next(256)}.{_random.Next(1, 255)}");
            double reasoningRate = _random.NextDouble() * 0.15;
            int conversation = 0;
            for (int i = 0; i < requests; i++)
            {
                // Conversations: a new one starts with probability 0.35, otherwise the next turn of the current one.
                conversation = i == 0 || _random.NextDouble() < 0.35 ? 1 : conversation + 2;
                string prompt = (Pick(_random, Openings) + " " + Pick(_random, BenignFrames)(_random)).Trim();
                if (_random.NextDouble() < reasoningRate)
                {
                    prompt += _random.Next(2) == 0 ? " explain your reasoning" : " step by step please";
                }

                double hour = 14 + 3.5 * Normal(_random) - timezone;
                DateTimeOffset at = _start.AddDays(_random.Next(7)).AddHours(((hour % 24) + 24) % 24).AddSeconds(_random.Next(3600));
                TrafficSurfaces surfaces = _random.NextDouble() < 0.6 ? TrafficSurfaces.Streaming : TrafficSurfaces.None;
                yield return new TrafficObservation(account, at, prompt, conversation, surfaces, _random.Next(20, 400), agent, address, "sk-…" + Hex(_random)[..4]);
            }
        }

        string[] proxyNetworks = ["203.0.113", "198.51.100", "192.0.2"];
        for (int a = 0; a < campaign; a++)
        {
            string account = "key-" + Hex(_random);
            CampaignAccounts.Add(account);
            int requests = (int)(volume * _random.Next(400, 1200));
            string network = proxyNetworks[a % proxyNetworks.Length];
            int[] templates = [.. Enumerable.Range(0, CampaignTemplates.Length).OrderBy(_ => _random.Next()).Take(_random.Next(1, 3))];
            for (int i = 0; i < requests; i++)
            {
                string prompt = CampaignTemplates[templates[_random.Next(templates.Length)]](_random);
                DateTimeOffset at = _start.AddSeconds(_random.NextDouble() * 7 * 86400);
                string? address = campaignAddresses ? string.Create(CultureInfo.InvariantCulture, $"{network}.{_random.Next(1, 255)}") : null;
                yield return new TrafficObservation(account, at, prompt, 1, TrafficSurfaces.Streaming, _random.Next(300, 1500), "python-httpx/0.27.0", address, "sk-…" + Hex(_random)[..4]);
            }
        }
    }

    /// <summary>Reduces <paramref name="traffic"/> into one window per account, as the traffic writer does.</summary>
    public static List<AccountTrafficWindow> Reduce(IEnumerable<TrafficObservation> traffic, PromptShape shape)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        ArgumentNullException.ThrowIfNull(shape);
        Dictionary<string, AccountTrafficWindow> windows = new(StringComparer.Ordinal);
        foreach (TrafficObservation observation in traffic)
        {
            if (!windows.TryGetValue(observation.AccountId, out AccountTrafficWindow? window))
            {
                windows[observation.AccountId] = window = new AccountTrafficWindow(observation.AccountId);
            }

            window.Add(observation, shape.Reduce(observation.Prompt));
        }

        return [.. windows.Values];
    }

    private static string Task(Random r) => r.Next(4) switch
    {
        0 => $"A {Pick(r, Subjects)} costs {r.Next(5, 500)} dollars and a {Pick(r, Subjects)} costs {r.Next(5, 500)} dollars. If {Words(r, 4, 10)}, how much is spent in {r.Next(2, 12)} weeks?",
        1 => $"Write a function that {Pick(r, Verbs)}s a list of {Pick(r, Subjects)} records by {Words(r, 2, 5)} in O(n log n).",
        2 => $"Prove that the sum of the first {r.Next(3, 100)} {Pick(r, Adjectives)} numbers {Words(r, 3, 9)}.",
        _ => $"{Words(r, 10, 30)}?",
    };

    private static string Words(Random r, int min, int max)
    {
        int count = r.Next(min, max);
        var words = new string[count];
        for (int i = 0; i < count; i++)
        {
            words[i] = r.Next(5) switch
            {
                0 => Pick(r, Subjects),
                1 => Pick(r, Verbs),
                2 => Pick(r, Adjectives),
                3 => Pick(r, ["the", "a", "of", "to", "with", "and", "for", "in", "my", "it"]),
                _ => Syllables(r),
            };
        }

        return string.Join(' ', words);
    }

    private static string Syllables(Random r)
    {
        const string Consonants = "bcdfghklmnprstvz";
        const string Vowels = "aeiou";
        var chars = new char[2 * r.Next(1, 4)];
        for (int i = 0; i < chars.Length; i += 2)
        {
            chars[i] = Consonants[r.Next(Consonants.Length)];
            chars[i + 1] = Vowels[r.Next(Vowels.Length)];
        }

        return new string(chars);
    }

    private static T Pick<T>(Random r, T[] items) => items[r.Next(items.Length)];

    private static string Hex(Random r)
    {
        byte[] bytes = new byte[16];
        r.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
