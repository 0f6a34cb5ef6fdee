using System.Text.RegularExpressions;
using CanaryService.Drill.Corpus;

namespace CanaryService.Drill.Tests;

public sealed class TeacherCorpusTests
{
    [Fact]
    public void Same_seed_writes_the_same_corpus_and_another_seed_a_different_one()
    {
        TeacherCorpus a = TeacherCorpus.Generate(seed: 5, size: 120);
        TeacherCorpus b = TeacherCorpus.Generate(seed: 5, size: 120);
        TeacherCorpus c = TeacherCorpus.Generate(seed: 6, size: 120);

        Assert.Equal(a.Entries.Select(e => e.Prompt + e.Answer), b.Entries.Select(e => e.Prompt + e.Answer));
        Assert.NotEqual(a.Entries.Select(e => e.Answer), c.Entries.Select(e => e.Answer));
    }

    [Fact]
    public void An_entry_does_not_depend_on_the_corpus_size()
    {
        TeacherCorpus small = TeacherCorpus.Generate(seed: 9, size: 50);
        TeacherCorpus large = TeacherCorpus.Generate(seed: 9, size: 300);

        Assert.Equal(small.Entries, large.Entries.Take(50));
    }

    [Fact]
    public void Prompts_are_distinct_and_each_has_its_own_topic_in_the_first_round()
    {
        TeacherCorpus corpus = TeacherCorpus.Generate(seed: 1, size: 375);

        Assert.Equal(375, corpus.Entries.Select(e => e.Prompt).Distinct().Count());
        Assert.Equal(375, corpus.Entries.Select(e => e.Topic.Split(" / ")[0]).Distinct().Count());
        Assert.True(corpus.Entries.Select(e => e.Subject).Distinct().Count() >= 20);
    }

    [Fact]
    public void The_largest_corpus_is_all_distinct_prompts()
    {
        TeacherCorpus corpus = TeacherCorpus.Generate(seed: 2, size: TeacherCorpus.MaxSize);

        Assert.Equal(TeacherCorpus.MaxSize, corpus.Entries.Select(e => e.Prompt).Distinct().Count());
    }

    [Fact]
    public void Answers_read_like_assistant_prose_with_every_shape_and_some_code()
    {
        TeacherCorpus corpus = TeacherCorpus.Generate(seed: 3, size: 400);

        Assert.All(Enum.GetValues<PromptKind>().Where(k => k != PromptKind.Recorded), kind => Assert.Contains(corpus.Entries, e => e.Kind == kind));
        Assert.Contains(corpus.Entries, e => e.Answer.Contains("```python\n", StringComparison.Ordinal));
        Assert.Contains(corpus.Entries, e => e.Answer.Contains("\n1. ", StringComparison.Ordinal));
        Assert.Contains(corpus.Entries, e => e.Answer.Contains("\n- **", StringComparison.Ordinal));
        Assert.All(corpus.Entries, e =>
        {
            Assert.InRange(Regex.Count(e.Answer, @"\S+"), 80, 600);
            string prose = Regex.Replace(e.Answer, "```[\\s\\S]*?```", "");
            Assert.DoesNotContain("[", prose, StringComparison.Ordinal);
            Assert.DoesNotContain("|", prose, StringComparison.Ordinal);
            Assert.DoesNotContain("{T}", e.Answer, StringComparison.Ordinal);
            Assert.True(char.IsUpper(e.Answer[0]), e.Answer);
        });

        // The interchangeable words the watermark keys occur throughout (many distinct word types overall).
        int vocabulary = corpus.Entries.SelectMany(e => Regex.Matches(e.Answer.ToLowerInvariant(), "[a-z]+").Select(m => m.Value)).Distinct().Count();
        Assert.True(vocabulary > 1500, $"vocabulary {vocabulary}");
    }

    [Fact]
    public void Find_returns_the_entry_for_a_known_prompt_only()
    {
        TeacherCorpus corpus = TeacherCorpus.Generate(seed: 4, size: 60);

        Assert.Same(corpus.Entries[17], corpus.Find(corpus.Entries[17].Prompt));
        Assert.Null(corpus.Find("What is the airspeed of an unladen swallow?"));
    }
}
