using System.Diagnostics;
using System.Globalization;
using CanaryService.Drill.Students;

namespace CanaryService.Drill.Tests;

/// <summary>
/// The <c>--student-server</c> process handling against real child processes: a Node server (Node is on every machine
/// that runs the tests: Azurite needs it) that serves the answers of the training set it was given, and shell
/// commands that fail or never serve.
/// </summary>
public sealed class ExternalStudentTests : IDisposable
{
    private const string CannedServer = """
        const http = require('http'), fs = require('fs');
        const [training, port] = process.argv.slice(2);
        const answers = new Map(fs.readFileSync(training, 'utf8').split('\n').filter(l => l).map(l => JSON.parse(l)).map(p => [p.prompt, p.answer]));
        console.log('loaded ' + answers.size + ' pairs');
        let polls = 0;
        http.createServer((req, res) => {
          if (req.url === '/v1/models') {
            // Still "training" for the first two polls: the drill must wait for a success, not for any answer.
            res.writeHead(++polls < 3 ? 503 : 200, {'content-type': 'application/json'});
            res.end('{"object":"list","data":[]}');
            return;
          }
          let body = '';
          req.on('data', c => body += c);
          req.on('end', () => {
            if (req.url !== '/v1/chat/completions') { res.writeHead(404); res.end(); return; }
            const prompt = JSON.parse(body).messages.at(-1).content;
            // Two questions about itself: how often it was polled, and which file it learnt.
            const answer = prompt === 'polls?' ? String(polls) : prompt === 'training?' ? training : answers.get(prompt);
            if (answer === undefined) { res.writeHead(404, {'content-type': 'application/json'}); res.end('{"error":{"message":"unknown"}}'); return; }
            res.writeHead(200, {'content-type': 'application/json'});
            res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }] }));
          });
        }).listen(Number(port), '127.0.0.1');
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("external-student-").FullName;

    private static TrainingPair[] Training { get; } =
    [
        new("What is a canary?", "A small yellow bird.\n\nIt sings."),
        new("Say \"hi\" in French", "Bonjour — « salut » works too."),
    ];

    [Fact]
    public async Task The_server_learns_its_training_set_answers_through_the_port_and_is_stopped_with_its_file()
    {
        string script = Path.Combine(_folder, "canned.js");
        await File.WriteAllTextAsync(script, CannedServer);
        var lines = new List<string>();

        ExternalStudent student = await ExternalStudent.StartAsync(
            "student-5pct", $"node \"{script}\" {{training}} {{port}}", Training, TimeSpan.FromMinutes(1), l => { lock (lines) { lines.Add(l); } }, CancellationToken.None);
        string trainingFile;
        try
        {
            Assert.Equal("3", await student.RespondAsync("polls?", CancellationToken.None));
            trainingFile = (await student.RespondAsync("training?", CancellationToken.None))!;
            Assert.StartsWith("drill-student-5pct-", Path.GetFileName(trainingFile), StringComparison.Ordinal);
            Assert.Equal(Training[0].Answer, await student.RespondAsync(Training[0].Prompt, CancellationToken.None));
            Assert.Equal(Training[1].Answer, await student.RespondAsync(Training[1].Prompt, CancellationToken.None));
            Assert.Null(await student.RespondAsync("Something it never learnt", CancellationToken.None));
        }
        finally
        {
            await student.DisposeAsync();
        }

        Assert.False(File.Exists(trainingFile));
        lock (lines)
        {
            Assert.Contains("loaded 2 pairs", lines);
        }

        using var client = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(student.BaseUrl, "models")));
    }

    [Fact]
    public async Task A_server_that_exits_before_it_serves_fails_with_its_exit_code_and_last_lines()
    {
        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ExternalStudent.StartAsync(
            "control", "echo \"no model at {training}\" >&2; echo port {port}; exit 3", Training, TimeSpan.FromMinutes(1), _ => { }, CancellationToken.None));

        Assert.Contains("control exited with code 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no model at", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetFiles(Path.GetTempPath(), "drill-control-*.jsonl"), f => File.ReadAllText(f).Contains("canary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_and_its_process_is_stopped()
    {
        string pidFile = Path.Combine(_folder, "pid");

        TimeoutException ex = await Assert.ThrowsAsync<TimeoutException>(() => ExternalStudent.StartAsync(
            "student-100pct", $"echo $$ > \"{pidFile}\"; exec sleep 300 # {{training}} {{port}}", Training, TimeSpan.FromSeconds(2), _ => { }, CancellationToken.None));

        Assert.Contains("student-100pct did not answer", ex.Message, StringComparison.Ordinal);
        AssertStopped(pidFile);
    }

    [Fact]
    public async Task Cancelling_the_wait_stops_the_process()
    {
        string pidFile = Path.Combine(_folder, "pid");
        using var cancellation = new CancellationTokenSource();
        Task<ExternalStudent> start = ExternalStudent.StartAsync(
            "student-25pct", $"echo $$ > \"{pidFile}\"; exec sleep 300 # {{training}} {{port}}", Training, TimeSpan.FromMinutes(5), _ => { }, cancellation.Token);
        while (!File.Exists(pidFile) || (await File.ReadAllTextAsync(pidFile)).Trim().Length == 0)
        {
            await Task.Delay(50);
        }

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start);
        AssertStopped(pidFile);
    }

    [Fact]
    public void The_command_gets_the_training_file_the_port_and_the_name()
    {
        Assert.Equal("serve /tmp/t.jsonl 4711 student-1pct /tmp/t.jsonl", ExternalStudent.Expand("serve {training} {port} {name} {training}", "/tmp/t.jsonl", 4711, "student-1pct"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void AssertStopped(string pidFile)
    {
        int pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        try
        {
            using Process process = Process.GetProcessById(pid);
            Assert.True(process.HasExited || process.WaitForExit(TimeSpan.FromSeconds(10)), $"process {pid} still runs");
        }
        catch (ArgumentException)
        {
            // No such process: stopped and reaped.
        }
    }
}
