using System.Diagnostics;
using System.Globalization;
using CanaryService.NeuralStudent;
using CanaryService.NeuralStudent.Model;
using CanaryService.NeuralStudent.Serving;
using CanaryService.NeuralStudent.Text;
using CanaryService.NeuralStudent.Training;
using static TorchSharp.torch;

StudentOptions options;
try
{
    options = StudentOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync("neural-student: " + ex.Message + Environment.NewLine + StudentOptions.Usage);
    return 2;
}

static void Log(string line) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss} {line}"));

set_num_threads(options.Threads);
set_num_interop_threads(1);
manual_seed(options.Seed);

List<TrainingPair> pairs;
try
{
    pairs = TrainingPair.Load(options.TrainingPath);
}
catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync("neural-student: " + ex.Message);
    return 1;
}

var clock = Stopwatch.StartNew();

// The port is held (and answers 503) while the model trains, so that no other program takes it meanwhile.
using var server = new ChatServer("neural-student");
await using WebApplication app = await server.StartAsync(options.Port, CancellationToken.None);
WordTokenizer tokenizer = WordTokenizer.Build(pairs.SelectMany(p => new[] { p.Prompt, p.Answer }), options.VocabularySize);
var layout = new SequenceLayout(options.Context);
List<(List<int> Prompt, List<int> Answer)> examples = [.. pairs.Select(p => (tokenizer.Encode(p.Prompt), (List<int>)[.. tokenizer.Encode(p.Answer), WordTokenizer.End]))];
int fitting = examples.Count(e => e.Answer.Count <= layout.AnswerWindow);
var shape = new TransformerShape(tokenizer.Size, options.Dimension, options.Layers, Heads: Math.Max(1, options.Dimension / 32), options.Context);
using var model = new TinyTransformer(shape);
long parameters = model.parameters().Sum(p => p.numel());
Log($"{pairs.Count} pairs, {examples.Sum(e => (long)e.Answer.Count)} answer tokens ({fitting} answers fit one window of {layout.AnswerWindow}); " +
    $"vocabulary {tokenizer.Size}; {shape.Layers} layers, width {shape.Dimension}, {shape.Heads} heads, context {shape.Context}; {parameters:N0} parameters; " +
    $"training for {options.TrainingBudget.TotalMinutes:0.##} min on {options.Threads} thread(s)");

TrainingReport report = new Trainer(model, layout, options.Batch, options.Seed).Train(examples, options.TrainingBudget, Log, app.Lifetime.ApplicationStopping);
if (app.Lifetime.ApplicationStopping.IsCancellationRequested)
{
    // SIGTERM or Ctrl+C while training: the host is already stopping.
    return 0;
}

Log($"trained: {report.Steps} steps in {report.Elapsed.TotalSeconds:0}s, loss {report.FirstLoss:0.000} -> {report.LastLoss:0.000} (mean of the last 20 steps), {report.Epochs:0.00} epochs of answer tokens");

var sampler = new Sampler(model, tokenizer, layout, new SamplingOptions(options.Temperature, options.TopK, options.MaxTokens), options.Seed);
var answered = 0;
server.Serve(prompt =>
{
    var watch = Stopwatch.StartNew();
    string answer = sampler.Answer(prompt);
    int n = Interlocked.Increment(ref answered);
    if (n <= 3 || n % 25 == 0)
    {
        Log($"answer {n}: {answer.Length} characters in {watch.Elapsed.TotalSeconds:0.0}s");
    }

    return answer;
});

Log($"serving on http://127.0.0.1:{options.Port.ToString(CultureInfo.InvariantCulture)}/v1 ({clock.Elapsed.TotalSeconds:0}s after start)");

// The host's console lifetime stops the app on SIGTERM (the drill stopping its students) and Ctrl+C.
await app.WaitForShutdownAsync();
return 0;
