using System.Globalization;
using CanaryService.Drill.Corpus;
using CanaryService.Drill.Traffic;

namespace CanaryService.Drill.Campaign;

/// <summary>One account's traffic in the campaign scenario: who, from which network, what it asks.</summary>
/// <param name="Account">The account (set by the drill's front door).</param>
/// <param name="ClientAddress">The client address the front door reports for it.</param>
/// <param name="Requests">Its requests, in order.</param>
internal sealed record AccountTraffic(string Account, string ClientAddress, IReadOnlyList<TrafficRequest> Requests);

/// <summary>
/// The campaign scenario's traffic: a harvesting campaign spread over many accounts and the benign crowd it hides in.
/// Each harvest account wraps prompts of the teacher corpus in one fixed harvesting template (reasoning-eliciting,
/// single-turn), sends a few dozen of them from one of a proxy service's networks; each benign account holds a few
/// short multi-turn conversations of its own wording from its own network. The extraction monitor calibrates on the
/// population itself, so the benign accounts outnumber the campaign several times over, as in real traffic.
/// </summary>
internal static class CampaignTrafficPlan
{
    /// <summary>
    /// Requests each harvest account sends: about ten times a benign account's (two to five), which puts its volume
    /// beyond the monitor's extreme robust z of 3.5 on its log scale.
    /// </summary>
    public const int HarvestRequestsPerAccount = 36;

    /// <summary>
    /// The corpus prompts the campaign harvests (after the distiller's part of the corpus): each is asked by about
    /// eighteen of its accounts, and each topic's canary reaches the campaign's accounts alone.
    /// </summary>
    public const int HarvestedPrompts = 60;

    /// <summary>The most requests a benign account sends.</summary>
    public const int BenignMaxRequests = 5;

    // Fixed, reasoning-eliciting scaffolding on both sides of the harvested prompt, which sits on its own line (the
    // teacher finds it there): both edges of a prompt (its first and last six words) are the template's. Its words
    // are ones the topic of a prompt ignores ("step", "think", "show", ...), so the topic, and the canary drawn for
    // it, is the harvested prompt's, as with a template that names no subject.
    private static readonly string[] Templates =
    [
        "Please think it through step by step.\n{0}\nExplain why at each step, and show your work.",
        "Let's think about this step by step, please.\n{0}\nShow your work, and explain why at each step.",
        "Think it through, step by step, and show your steps:\n{0}\nThen explain why, step by step.",
    ];

    // Documentation address ranges (RFC 5737): a proxy service's networks.
    private static readonly string[] ProxyNetworks = ["203.0.113", "198.51.100", "192.0.2"];

    private static readonly string[] Subjects =
    [
        "garden", "invoice", "recipe", "bicycle", "marathon", "spreadsheet", "wedding", "resume", "kitten", "mortgage",
        "essay", "presentation", "vacation", "apartment", "guitar", "podcast", "newsletter", "budget", "interview",
        "novel", "birthday party", "lesson plan", "poem", "email", "contract", "workout", "chess opening", "camping trip",
        "thesis", "job offer", "tax return", "car repair", "aquarium", "meeting agenda", "press release", "photo album",
    ];

    private static readonly string[] Verbs =
    [
        "improve", "shorten", "summarize", "plan", "organize", "fix", "rewrite", "translate", "name", "describe",
        "review", "outline", "compare", "start", "finish", "decorate", "schedule", "clean up",
    ];

    private static readonly string[] Adjectives =
    [
        "friendly", "formal", "funny", "short", "detailed", "cheap", "quick", "healthy", "modern", "polite", "creative",
        "simple", "honest", "professional", "cozy", "bold", "gentle", "clear",
    ];

    private static readonly string[] Openings = ["hey", "hi there", "quick one", "so", "ok", "hmm", "sorry", "good morning", "", "", "", ""];

    private static readonly Func<Random, string>[] OpeningFrames =
    [
        r => $"can you {Pick(r, Verbs)} my {Pick(r, Subjects)}",
        r => $"I need a {Pick(r, Adjectives)} way to {Pick(r, Verbs)} the {Pick(r, Subjects)} before friday",
        r => $"what do you think about my {Pick(r, Subjects)}? it feels {Pick(r, Adjectives)}",
        r => $"write something {Pick(r, Adjectives)} for a {Pick(r, Subjects)}",
        r => $"my boss wants the {Pick(r, Subjects)} {Pick(r, Adjectives)}, ideas?",
        r => $"is it normal that my {Pick(r, Subjects)} takes {r.Next(2, 40)} hours",
        r => $"give me {r.Next(3, 10)} names for a {Pick(r, Adjectives)} {Pick(r, Subjects)}",
        r => $"help me {Pick(r, Verbs)} a {Pick(r, Subjects)} for my mom",
        r => $"list pros and cons of a {Pick(r, Adjectives)} {Pick(r, Subjects)}",
    ];

    private static readonly Func<Random, string>[] FollowUps =
    [
        r => $"make it more {Pick(r, Adjectives)} please",
        r => $"no, I meant the {Pick(r, Subjects)} part",
        r => $"that's great, and for the {Pick(r, Subjects)}?",
        r => "shorter",
        r => $"can you {Pick(r, Verbs)} that again but {Pick(r, Adjectives)}",
        r => $"what about a {Pick(r, Adjectives)} one",
        r => "thanks, one more idea?",
    ];

    /// <summary>The harvest accounts' names.</summary>
    public static IReadOnlyList<string> HarvestAccounts(int count) => Names("harvest-", count);

    /// <summary>The benign accounts' names.</summary>
    public static IReadOnlyList<string> BenignAccounts(int count) => Names("user-", count);

    /// <summary>
    /// The harvest traffic: account <c>i</c> sends <see cref="HarvestRequestsPerAccount"/> distinct prompts of <paramref name="prompts"/>
    /// wrapped in template <c>i mod 3</c> from network <c>(i / 3) mod 3</c>, so every template meets every network
    /// and the accounts form one cluster by either signal.
    /// </summary>
    public static IReadOnlyList<AccountTraffic> Harvest(IReadOnlyList<CorpusEntry> prompts, IReadOnlyList<string> accounts, int seed)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(accounts);
        var random = new Random(seed);
        var plan = new List<AccountTraffic>(accounts.Count);
        for (int i = 0; i < accounts.Count; i++)
        {
            CorpusEntry[] entries = [.. prompts];
            random.Shuffle(entries);
            string template = Templates[i % Templates.Length];
            string address = string.Create(CultureInfo.InvariantCulture, $"{ProxyNetworks[i / Templates.Length % ProxyNetworks.Length]}.{random.Next(1, 255)}");
            TrafficRequest[] requests = [.. entries
                .Take(Math.Min(HarvestRequestsPerAccount, entries.Length))
                .Select(e => new TrafficRequest(string.Format(CultureInfo.InvariantCulture, template, e.Prompt), Stream: random.Next(2) == 0))];
            plan.Add(new AccountTraffic(accounts[i], address, requests));
        }

        return plan;
    }

    /// <summary>
    /// The benign traffic: each account holds one to three conversations of two or three turns (a later turn sends the
    /// whole conversation so far), at most <see cref="BenignMaxRequests"/> requests, from its own address.
    /// </summary>
    public static IReadOnlyList<AccountTraffic> Benign(IReadOnlyList<string> accounts, int seed)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var random = new Random(seed);
        var plan = new List<AccountTraffic>(accounts.Count);
        foreach (string account in accounts)
        {
            string address = string.Create(CultureInfo.InvariantCulture, $"{random.Next(11, 100)}.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}");
            var requests = new List<TrafficRequest>();
            int conversations = random.Next(1, 4);
            for (int c = 0; c < conversations && requests.Count < BenignMaxRequests; c++)
            {
                var earlier = new List<string>();
                string prompt = (Pick(random, Openings) + " " + Pick(random, OpeningFrames)(random)).Trim();
                int turns = random.Next(2, 4);
                for (int t = 0; t < turns && requests.Count < BenignMaxRequests; t++)
                {
                    requests.Add(new TrafficRequest(prompt, Stream: random.Next(3) == 0, Earlier: [.. earlier]));
                    earlier.Add(prompt);
                    earlier.Add(ChatReplies.For(prompt));
                    prompt = Pick(random, FollowUps)(random);
                }
            }

            plan.Add(new AccountTraffic(account, address, requests));
        }

        return plan;
    }

    private static IReadOnlyList<string> Names(string prefix, int count) =>
        [.. Enumerable.Range(1, count).Select(i => prefix + i.ToString("000", CultureInfo.InvariantCulture))];

    private static T Pick<T>(Random r, T[] items) => items[r.Next(items.Length)];
}
