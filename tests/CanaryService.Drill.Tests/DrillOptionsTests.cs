using CanaryService.Drill;

namespace CanaryService.Drill.Tests;

public sealed class DrillOptionsTests
{
    [Fact]
    public void No_arguments_give_the_defaults()
    {
        DrillOptions options = DrillOptions.Parse([]);

        Assert.Equal(new DrillOptions(), options);
        Assert.Null(options.JsonPath);
        Assert.False(options.ShowHelp);
    }

    [Fact]
    public void Every_option_is_read_in_both_spellings()
    {
        DrillOptions options = DrillOptions.Parse(["--seed", "42", "--prompts=120", "--probe-budget", "60", "--accounts", "3", "--json", "out.json", "--report=r.html",
            "--harvest-accounts", "12", "--benign-accounts=80"]);

        Assert.Equal(42, options.Seed);
        Assert.Equal(120, options.Prompts);
        Assert.Equal(60, options.ProbeBudget);
        Assert.Equal(3, options.Accounts);
        Assert.Equal("out.json", options.JsonPath);
        Assert.Equal("r.html", options.ReportPath);
        Assert.Equal((12, 80), (options.HarvestAccounts, options.BenignAccounts));
        Assert.Equal(0, DrillOptions.Parse(["--harvest-accounts", "0"]).HarvestAccounts);
        Assert.True(DrillOptions.Parse(["-h"]).ShowHelp);
    }

    [Fact]
    public void The_real_text_options_are_read()
    {
        DrillOptions options = DrillOptions.Parse(["--corpus", "teacher.jsonl.gz", "--mix=outputs", "--shares", "5, 100,1", "--phrase-rate", "0.2",
            "--replay-share=0", "--topic-share", "0.25", "--probe-runs", "10", "--prompts", "25"]);

        Assert.Equal(("teacher.jsonl.gz", "outputs"), (options.CorpusPath, options.MixPath));
        Assert.Equal([1.0, 0.05, 0.01], options.Shares);
        Assert.Equal((0.2, 0.0, 0.25), (options.PhraseRate, options.ReplayShare, options.TopicShare));
        Assert.Equal((10, 25), (options.ProbeRuns, options.Prompts));
    }

    [Fact]
    public void The_student_server_options_are_read()
    {
        DrillOptions options = DrillOptions.Parse(["--student-server", "serve --training {training} --port {port} --name {name}", "--student-wait=5"]);

        Assert.Equal("serve --training {training} --port {port} --name {name}", options.StudentServer);
        Assert.Equal(TimeSpan.FromMinutes(5), options.StudentWait);
        Assert.Null(new DrillOptions().StudentServer);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--seed")]
    [InlineData("--prompts", "ten")]
    [InlineData("--prompts", "5")]
    [InlineData("--accounts", "1")]
    [InlineData("--harvest-accounts", "1")]
    [InlineData("--benign-accounts", "5")]
    [InlineData("--prompts", "1100")]
    [InlineData("--mix", "outputs")]
    [InlineData("--shares", "0")]
    [InlineData("--shares", "5,5")]
    [InlineData("--shares", "150")]
    [InlineData("--phrase-rate", "1.5")]
    [InlineData("--replay-share", "0.6")]
    [InlineData("--probe-runs", "0")]
    [InlineData("--student-server", "serve --port {port}")]
    [InlineData("--student-server", "serve --training {training}")]
    [InlineData("--student-wait", "0")]
    public void Bad_arguments_say_what_is_wrong(params string[] args)
    {
        DrillUsageException ex = Assert.Throws<DrillUsageException>(() => DrillOptions.Parse(args));

        Assert.Contains(args[0], ex.Message, StringComparison.Ordinal);
    }
}
