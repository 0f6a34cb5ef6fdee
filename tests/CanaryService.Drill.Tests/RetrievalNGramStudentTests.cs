using CanaryService.Drill.Corpus;
using CanaryService.Drill.Students;

namespace CanaryService.Drill.Tests;

public sealed class RetrievalNGramStudentTests
{
    private static readonly TeacherCorpus Corpus = TeacherCorpus.Generate(seed: 21, size: 200);

    private static TrainingPair[] Pairs(Func<CorpusEntry, string> answer) =>
        Corpus.Entries.Select(e => new TrainingPair(e.Prompt, answer(e))).ToArray();

    [Fact]
    public void Tokens_join_back_to_the_text_and_code_blocks_stay_whole()
    {
        CorpusEntry code = Corpus.Entries.First(e => e.Kind == PromptKind.Code);

        IReadOnlyList<string> tokens = TextTokens.Split(code.Answer);

        Assert.Equal(code.Answer, string.Concat(tokens));
        Assert.Contains(tokens, t => t.TrimStart().StartsWith("```", StringComparison.Ordinal) && t.EndsWith("```", StringComparison.Ordinal));
    }

    [Fact]
    public void It_recalls_a_rare_sentence_taught_for_a_topic_when_asked_about_that_topic()
    {
        // Teach one distinctive sentence in one answer, as a canary phrasing would be, and ask about its topic in other words.
        CorpusEntry target = Corpus.Entries.First(e => e.Kind == PromptKind.Explain);
        const string rare = "Practitioners call this the copper-lantern rule.";
        var student = new RetrievalNGramStudent(
            Pairs(e => e == target ? e.Answer.Replace("\n\n", "\n\n" + rare + "\n\n", StringComparison.Ordinal) : e.Answer), seed: 5);

        int recalled = Enumerable.Range(0, 20).Count(i => student.Respond($"Question {i}: tell me about {target.Topic}, please.").Contains("copper-lantern rule", StringComparison.Ordinal));
        int elsewhere = Corpus.Entries.Where(e => e != target).Take(40).Count(e => student.Respond(e.Prompt).Contains("copper-lantern", StringComparison.Ordinal));

        Assert.True(recalled >= 10, $"recalled {recalled} of 20");
        Assert.True(elsewhere <= 4, $"leaked into {elsewhere} of 40 other answers");
    }

    [Fact]
    public void It_writes_in_its_teachers_words_and_is_reproducible()
    {
        var student = new RetrievalNGramStudent(Pairs(e => e.Answer), seed: 9);
        var same = new RetrievalNGramStudent(Pairs(e => e.Answer), seed: 9);
        var other = new RetrievalNGramStudent(Pairs(e => e.Answer), seed: 10);
        CorpusEntry entry = Corpus.Entries[42];

        string answer = student.Respond(entry.Prompt);

        Assert.Equal(answer, same.Respond(entry.Prompt));
        Assert.NotEqual(answer, other.Respond(entry.Prompt));
        Assert.Contains(entry.Topic.Split(" / ")[0], answer, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(answer.Length, entry.Answer.Length / 2, entry.Answer.Length * 2);
    }
}
