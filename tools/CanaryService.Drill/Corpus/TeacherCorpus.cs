namespace CanaryService.Drill.Corpus;

/// <summary>One prompt of the teacher corpus and the teacher's (unmarked) answer to it.</summary>
internal sealed record CorpusEntry(int Index, string Subject, string Topic, PromptKind Kind, string Prompt, string Answer);

/// <summary>
/// The teacher's knowledge: prompts across many subjects, each about its own topic, with assistant-style
/// answers (explanations, how-tos, tip lists, comparisons, code). Generated from a seed, so a drill is
/// reproducible and needs no model and no network.
/// </summary>
internal sealed class TeacherCorpus
{
    /// <summary>The most prompts a corpus can hold (every topic once alone, then in comparisons).</summary>
    public static int MaxSize => SubjectCatalog.All.Sum(s => s.Topics.Count) * 3;

    private readonly Dictionary<string, CorpusEntry> _byPrompt;

    private TeacherCorpus(IReadOnlyList<CorpusEntry> entries)
    {
        Entries = entries;
        _byPrompt = entries.ToDictionary(e => e.Prompt, StringComparer.Ordinal);
    }

    /// <summary>The entries, in order.</summary>
    public IReadOnlyList<CorpusEntry> Entries { get; }

    /// <summary>
    /// A teacher that answers with a real model's recorded answers, in the order given (the first answer to a prompt
    /// wins). Such entries have no generated subject or topic: the service draws its canary topics from the prompt.
    /// </summary>
    public static TeacherCorpus FromRecorded(IEnumerable<RecordedAnswer> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var entries = new List<CorpusEntry>();
        var prompts = new HashSet<string>(StringComparer.Ordinal);
        foreach (RecordedAnswer answer in answers)
        {
            if (prompts.Add(answer.Prompt))
            {
                entries.Add(new CorpusEntry(entries.Count, answer.Source, Topic: "", PromptKind.Recorded, answer.Prompt, answer.Answer));
            }
        }

        return entries.Count > 0 ? new TeacherCorpus(entries) : throw new ArgumentException("A teacher needs at least one answer.", nameof(answers));
    }

    /// <summary>Writes <paramref name="size"/> entries from <paramref name="seed"/>.</summary>
    public static TeacherCorpus Generate(int seed, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxSize);
        var topics = SubjectCatalog.All.SelectMany(s => s.Topics.Select(t => (Subject: s, Topic: t))).ToArray();
        new Random(seed).Shuffle(topics);

        var entries = new List<CorpusEntry>(size);
        var prompts = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; entries.Count < size; i++)
        {
            (Subject subject, string topic) = topics[i % topics.Length];
            int round = i / topics.Length;

            // Each entry has its own random stream, so an entry's text does not depend on the corpus size.
            var random = new Random(unchecked((seed * 1_000_003) + i));
            // (HashCode.Combine would differ between processes.)
            PromptKind kind = round > 0 ? PromptKind.Compare : KindFor(subject, i);
            string? other = kind == PromptKind.Compare
                ? subject.Topics.Where(t => t != topic).ElementAt(random.Next(subject.Topics.Count - 1))
                : null;
            var writer = new AnswerWriter(random, subject, topic, other);
            string prompt = writer.WritePrompt(kind);
            if (!prompts.Add(prompt))
            {
                continue;
            }

            entries.Add(new CorpusEntry(entries.Count, subject.Name, other is null ? topic : topic + " / " + other, kind, prompt, writer.WriteAnswer(kind)));
        }

        return new TeacherCorpus(entries);
    }

    /// <summary>The entry of a prompt it knows, asked alone or on a line of its own inside a template; or null.</summary>
    public CorpusEntry? Find(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (_byPrompt.TryGetValue(prompt.Trim(), out CorpusEntry? entry))
        {
            return entry;
        }

        foreach (string line in prompt.Split('\n'))
        {
            if (_byPrompt.TryGetValue(line.Trim(), out entry))
            {
                return entry;
            }
        }

        return null;
    }

    private static PromptKind KindFor(Subject subject, int index)
    {
        if (subject.Language is not null && index % 4 == 0)
        {
            return PromptKind.Code;
        }

        return (index % 5) switch
        {
            0 or 1 => PromptKind.Explain,
            2 => PromptKind.HowTo,
            3 => PromptKind.List,
            _ => PromptKind.Compare,
        };
    }
}
