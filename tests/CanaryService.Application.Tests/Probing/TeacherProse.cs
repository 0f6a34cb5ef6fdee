using CanaryService.Core.Lexicon;

namespace CanaryService.Application.Tests.Probing;

/// <summary>
/// A stand-in for our model's answers in the distillation tests: assistant-style prose about a prompt's subject,
/// dense in transitions, frequency adverbs and common adjectives (where the lexical watermark lives), varied enough
/// that many distinct (previous word, group) contexts occur, and with enough plain sentences between them that most
/// lexicon words lie outside each other's echo window. Deterministic per prompt.
/// </summary>
internal static class TeacherProse
{
    private static readonly string[] Transitions = ["Additionally", "Furthermore", "Moreover", "However", "Also", "Similarly", "Likewise", "Consequently", "Therefore", "Nevertheless", "Nonetheless", "Fortunately", "Luckily", "Frankly", "Honestly", "For example", "For instance", "Meanwhile", "Finally", "Next", "Overall", "Ultimately", "In practice", "In short", "Still", "Then", "Of course", "In general", "As a rule", "Above all", "At first", "In the end"];
    private static readonly string[] Adverbs = ["typically", "usually", "often", "generally", "frequently", "commonly", "normally", "sometimes", "quickly", "easily", "simply", "carefully", "really", "very", "actually", "basically", "particularly", "especially", "probably", "certainly"];
    private static readonly string[] Adjectives = ["many", "numerous", "several", "mandatory", "compulsory", "wealthy", "affluent", "important", "essential", "crucial", "significant", "big", "large", "huge", "small", "tiny", "simple", "easy", "difficult", "hard", "common", "popular", "useful", "helpful", "quick", "fast", "good", "great", "main", "key", "obvious", "clear"];
    private static readonly string[] Verbs = ["help", "assist", "start", "begin", "use", "show", "demonstrate", "need", "require", "get", "obtain", "make", "create", "try", "attempt", "keep", "maintain", "improve", "enhance", "check", "verify", "choose", "select", "build", "find"];
    private static readonly string[] Nouns = ["steps", "results", "tools", "habits", "mistakes", "choices", "details", "methods", "ideas", "problems", "benefits", "options", "changes", "goals", "resources", "examples", "rules", "patterns", "questions", "plans"];
    private static readonly string[] People = ["people", "beginners", "experts", "teams", "students", "most readers", "newcomers", "professionals", "families", "friends", "colleagues", "hobbyists"];

    /// <summary>The teacher's (unmarked) answer to <paramref name="prompt"/>.</summary>
    public static string Answer(string prompt)
    {
        // Stable across processes (string.GetHashCode is not).
        uint hash = 2166136261;
        foreach (char ch in prompt)
        {
            hash = (hash ^ ch) * 16777619;
        }

#pragma warning disable CA5394 // Test text, not security.
        Random random = new((int)hash);
        string subject = Subject(prompt);
        // A group's words at least 16 sentences (some 180 words) apart: nearer, both would lie within each other's echo
        // window and neither be marked.
        var lastUse = new Dictionary<int, int>();
        int sentenceIndex = 0;
        string Pick(string[] words)
        {
            for (int attempt = 0; ; attempt++)
            {
                string word = words[random.Next(words.Length)];
                string last = word[(word.LastIndexOf(' ') + 1)..].ToLowerInvariant();
                if (!CanaryLexicon.Default.TryFind(last, out LexiconGroup group, out _) || attempt > 50)
                {
                    return word;
                }

                if (!lastUse.TryGetValue(group.Id, out int used) || sentenceIndex - used >= 16)
                {
                    lastUse[group.Id] = sentenceIndex;
                    return word;
                }
            }
        }

        List<string> paragraphs = [];
        for (int p = 0; p < 6; p++)
        {
            List<string> sentences = [];
            for (int s = 0; s < 7; s++, sentenceIndex++)
            {
                string T() => Pick(Transitions);
                string A() => Pick(Adverbs);
                string J() => Pick(Adjectives);
                string V() => Pick(Verbs);
                string N() => Nouns[random.Next(Nouns.Length)];
                string P() => People[random.Next(People.Length)];
                sentences.Add(random.Next(12) switch
                {
                    6 => $"The {N()} of {subject} come from {P()} and their work.",
                    7 => $"Start with what {P()} already know about {subject}.",
                    8 => $"A short list of {N()} keeps the work on {subject} in view.",
                    9 => $"Write down the {N()} and come back to them later.",
                    10 => $"Talk to {P()} who have done it before.",
                    0 => $"{T()}, {P()} {A()} {V()} {J()} {N()} when working on {subject}.",
                    1 => $"{T()}, {subject} {A()} needs {J()} {N()} and {J()} {N()}.",
                    2 => $"With {subject}, {P()} {A()} {V()} the {J()} {N()} first.",
                    3 => $"{Capitalise(J())} {N()} {A()} {V()} {P()} who are new to {subject}.",
                    4 => $"{T()}, it is {A()} {J()} to {V()} {J()} {N()} before you {V()} anything else.",
                    _ => $"In {subject}, {J()} {N()} {A()} matter more than {J()} {N()}.",
                });
            }

            paragraphs.Add(string.Join(' ', sentences));
        }
#pragma warning restore CA5394

        return string.Join("\n\n", paragraphs);
    }

    /// <summary>The subject a prompt asks about (the planner's prompts name it), or the prompt's last words.</summary>
    private static string Subject(string prompt)
    {
        string[] words = prompt.Split([' ', ',', '.', '?', ':'], StringSplitOptions.RemoveEmptyEntries);
        int about = Array.FindIndex(words, w => w is "Explain" or "on" or "about" or "of" or "to" or "for" or "Describe" or "understand");
        IEnumerable<string> picked = about >= 0 ? words.Skip(about + 1).Take(3) : words.TakeLast(3);
        return string.Join(' ', picked).ToLowerInvariant();
    }

    private static string Capitalise(string word) => char.ToUpperInvariant(word[0]) + word[1..];
}
