using System.IO.Compression;
using System.Text;
using System.Text.Json;
using CanaryService.Drill.Corpus;
using CanaryService.Drill.Students;

namespace CanaryService.Drill.Tests;

/// <summary>The drill on real text: recorded answers read from JSON lines, and the students' mixed training sets.</summary>
public sealed class RecordedCorpusTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("drill-recorded-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Plain_and_compressed_json_lines_are_read_with_output_or_answer()
    {
        string plain = Write("teacher.jsonl", ("What is a lever?", "A lever is a rigid bar.", "output"), ("Name a prime.", "Seven.", "answer"));
        string packed = Write("other.jsonl.gz", ("Why is the sky blue?", "Rayleigh scattering.", "output"));

        Assert.Equal(
            [new RecordedAnswer("What is a lever?", "A lever is a rigid bar.", "teacher.jsonl"), new RecordedAnswer("Name a prime.", "Seven.", "teacher.jsonl")],
            RecordedAnswers.Load(plain));
        Assert.Equal([new RecordedAnswer("Why is the sky blue?", "Rayleigh scattering.", "other.jsonl.gz")], RecordedAnswers.Load(packed));
    }

    [Fact]
    public void A_folder_gives_every_file_but_the_excluded_one_and_skips_unusable_lines()
    {
        string teacher = Write("a-teacher.jsonl", ("Q1", "teacher answer", "output"));
        Write("b-model.jsonl", ("Q1", "model b answer", "output"), ("Q2", "   ", "output"), ("Q1", "a second answer to Q1", "output"));
        File.AppendAllText(Path.Combine(_folder, "b-model.jsonl"), "\n{\"prompt\": \"Q3\"}\n[1, 2]\n");
        File.WriteAllText(Path.Combine(_folder, "notes.txt"), "not answers");

        IReadOnlyList<RecordedAnswer> answers = RecordedAnswers.Load(_folder, exclude: teacher);

        Assert.Equal([new RecordedAnswer("Q1", "model b answer", "b-model.jsonl")], answers);
        Assert.Equal(2, RecordedAnswers.Load(_folder).Count);
    }

    [Fact]
    public void A_missing_path_a_line_that_is_not_json_and_an_empty_file_say_what_is_wrong()
    {
        DrillUsageException missing = Assert.Throws<DrillUsageException>(() => RecordedAnswers.Load(Path.Combine(_folder, "nowhere.jsonl")));
        Assert.Contains("nowhere.jsonl", missing.Message, StringComparison.Ordinal);

        string broken = Path.Combine(_folder, "broken.jsonl");
        File.WriteAllText(broken, "{\"prompt\": \"Q\", \"output\": \"A\"}\n{not json\n");
        DrillUsageException notJson = Assert.Throws<DrillUsageException>(() => RecordedAnswers.Load(broken));
        Assert.Contains("line 2", notJson.Message, StringComparison.Ordinal);

        string empty = Path.Combine(_folder, "empty.jsonl");
        File.WriteAllText(empty, "\n");
        Assert.Throws<DrillUsageException>(() => RecordedAnswers.Load(empty));
    }

    [Fact]
    public void A_recorded_teacher_answers_its_prompts_also_inside_a_template()
    {
        TeacherCorpus corpus = TeacherCorpus.FromRecorded(
            [new RecordedAnswer("What is a lever?", "A rigid bar.", "t"), new RecordedAnswer("What is a lever?", "A duplicate.", "t"), new RecordedAnswer("Name a prime.", "Seven.", "t")]);

        Assert.Equal(["What is a lever?", "Name a prime."], corpus.Entries.Select(e => e.Prompt));
        Assert.Equal([0, 1], corpus.Entries.Select(e => e.Index));
        Assert.Equal("A rigid bar.", corpus.Find("Task 12 of the batch:\nWhat is a lever?\nAnswer step by step.")?.Answer);
        Assert.Null(corpus.Find("Something else"));
    }

    [Theory]
    [InlineData(1.0, 0)]
    [InlineData(0.25, 120)]
    [InlineData(0.05, 760)]
    [InlineData(0.01, 3960)]
    public void A_mixed_training_set_holds_every_harvested_answer_as_the_stated_share(double share, int others)
    {
        (TrainingPair[] marked, TrainingPair[] unmarked, TrainingPair[] filler) = Pairs(harvested: 40, filler: 5000);
        var spec = new StudentSpec("s", share);

        IReadOnlyList<TrainingPair> set = StudentLineup.MixedTrainingSet(spec, marked, unmarked, filler, controlShare: 0.01, seed: 3);

        Assert.Equal(40 + others, set.Count);
        Assert.Equal(marked, set.Take(40));
        Assert.Equal(others, set.Skip(40).Intersect(filler).Count());
        Assert.Equal(share, 40.0 / set.Count, precision: 3);
    }

    [Fact]
    public void Smaller_sets_lie_inside_larger_ones_and_the_control_is_the_smallest_share_with_unmarked_answers()
    {
        (TrainingPair[] marked, TrainingPair[] unmarked, TrainingPair[] filler) = Pairs(harvested: 40, filler: 1000);

        IReadOnlyList<TrainingPair> quarter = StudentLineup.MixedTrainingSet(new StudentSpec("q", 0.25), marked, unmarked, filler, 0.05, seed: 3);
        IReadOnlyList<TrainingPair> twentieth = StudentLineup.MixedTrainingSet(new StudentSpec("t", 0.05), marked, unmarked, filler, 0.05, seed: 3);
        IReadOnlyList<TrainingPair> control = StudentLineup.MixedTrainingSet(new StudentSpec("control", 0), marked, unmarked, filler, 0.05, seed: 3);

        Assert.Subset(twentieth.ToHashSet(), quarter.ToHashSet());
        Assert.Equal(twentieth.Skip(40), control.Skip(40));
        Assert.Equal(unmarked, control.Take(40));
        Assert.Empty(control.Intersect(marked));
    }

    [Fact]
    public void A_share_the_mix_cannot_fill_says_how_many_answers_it_needs()
    {
        (TrainingPair[] marked, TrainingPair[] unmarked, TrainingPair[] filler) = Pairs(harvested: 40, filler: 100);

        ArgumentException ex = Assert.Throws<ArgumentException>(() => StudentLineup.MixedTrainingSet(new StudentSpec("s", 0.05), marked, unmarked, filler, 0.05, seed: 1));

        Assert.Contains("760", ex.Message, StringComparison.Ordinal);
        Assert.Contains("100", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Students_are_named_by_share_largest_first_with_the_control_last()
    {
        Assert.Equal(
            ["student-100pct", "student-5pct", "student-0_5pct", "student-campaign", "control"],
            StudentLineup.For([0.05, 1.0, 0.005], campaign: true).Select(s => s.Name));
    }

    private static (TrainingPair[] Marked, TrainingPair[] Unmarked, TrainingPair[] Filler) Pairs(int harvested, int filler) =>
    (
        [.. Enumerable.Range(0, harvested).Select(i => new TrainingPair("prompt " + i, "marked answer " + i))],
        [.. Enumerable.Range(0, harvested).Select(i => new TrainingPair("prompt " + i, "unmarked answer " + i))],
        [.. Enumerable.Range(0, filler).Select(i => new TrainingPair("other prompt " + i, "other answer " + i))]
    );

    private string Write(string name, params (string Prompt, string Answer, string Field)[] lines)
    {
        string path = Path.Combine(_folder, name);
        var text = new StringBuilder();
        foreach ((string prompt, string answer, string field) in lines)
        {
            text.Append(JsonSerializer.Serialize(new Dictionary<string, string> { ["prompt"] = prompt, [field] = answer })).Append('\n');
        }

        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            using FileStream file = File.Create(path);
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            gzip.Write(Encoding.UTF8.GetBytes(text.ToString()));
        }
        else
        {
            File.WriteAllText(path, text.ToString());
        }

        return path;
    }
}
